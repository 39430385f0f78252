"""How the service's own states read, in French and English (the rules' wording is in routing)."""

#: Statuses of reports, items and deadlines, and outcomes, as people read them.
STATUS_LABELS = {
    "received": {"fr": "reçu", "en": "received"},
    "new": {"fr": "nouveau", "en": "new"},
    "in_progress": {"fr": "en cours", "en": "in progress"},
    "awaiting_information": {"fr": "en attente d'information", "en": "awaiting information"},
    "declared": {"fr": "déclaré", "en": "declared"},
    "closed": {"fr": "clos", "en": "closed"},
    "open": {"fr": "ouvert", "en": "open"},
    "met": {"fr": "respecté", "en": "met"},
    "missed": {"fr": "dépassé", "en": "missed"},
    "waived": {"fr": "levé", "en": "waived"},
    "declared_outcome": {"fr": "déclaré", "en": "declared"},
    "not_reportable": {"fr": "non déclarable", "en": "not reportable"},
    "duplicate": {"fr": "doublon", "en": "duplicate"},
    "transferred": {"fr": "transmis", "en": "transferred"},
    "information_only": {"fr": "pour information", "en": "information only"},
    "requalified": {"fr": "requalifié", "en": "requalified"},
}

#: Levels that are not on a scale: nobody assessed yet, or nothing known.
UNASSESSED_LABELS = {
    "not_assessed": {"fr": "non évaluée", "en": "not assessed"},
    "unknown": {"fr": "inconnue", "en": "unknown"},
}


def label(table: dict, key: str, language: str) -> str:
    """*key*'s wording in *language*, or *key* itself when the table does not know it."""
    return table.get(key, {}).get(language, key)
