"""How the service's own states read, in French and English (the rules' wording is in routing)."""

from vigilance.actions import RULES

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
    # Emails in the outbox.
    "pending": {"fr": "à envoyer", "en": "pending"},
    "sent": {"fr": "envoyé", "en": "sent"},
    "failed": {"fr": "en échec", "en": "failed"},
}

#: Roles of accounts, as people read them.
ROLE_LABELS = {
    "reporter": {"fr": "déclarant", "en": "reporter"},
    "correspondent": {"fr": "correspondant", "en": "correspondent"},
    "coordinator": {"fr": "coordonnateur", "en": "coordinator"},
    "admin": {"fr": "administrateur", "en": "administrator"},
}

#: Levels that are not on a scale: nobody assessed yet, or nothing known.
UNASSESSED_LABELS = {
    "not_assessed": {"fr": "non évaluée", "en": "not assessed"},
    "unknown": {"fr": "inconnue", "en": "unknown"},
}


def label(table: dict, key: str, language: str) -> str:
    """*key*'s wording in *language*, or *key* itself when the table does not know it."""
    return table.get(key, {}).get(language, key)


#: The steps of a report's history that are not triage actions (those are named in
#: vigilance.actions): audit events' actions, and for an item's transitions the step named at
#: the end of the target, ``item:<id>:<step>``.
HISTORY_LABELS = {
    "create": {"fr": "signalement reçu", "en": "report received"},
    "read": {"fr": "consultation", "en": "read"},
    "export": {"fr": "export", "en": "export"},
}


def history_step(action: str, target: str, language: str) -> str:
    """What one audit event of a report did, as people read it ("prise en charge")."""
    step = target.rsplit(":", 1)[-1] if action == "update" else action
    if step in RULES:
        return RULES[step].history.get(language, step)
    return label(HISTORY_LABELS, step, language)
