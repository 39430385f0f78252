"""How the service's own states read, in French and English (the rules' wording is in routing)."""

from vigilance.actions import RULES
from vigilance.i18n import Message, translatable, translatable_plural

#: Statuses of reports, items and deadlines, and outcomes, as people read them.
STATUS_LABELS = {
    "received": translatable("reçu"),
    "new": translatable("nouveau"),
    "in_progress": translatable("en cours"),
    "awaiting_information": translatable("en attente d'information"),
    "declared": translatable("déclaré"),
    "closed": translatable("clos"),
    "open": translatable("ouvert"),
    "met": translatable("respecté"),
    "missed": translatable("dépassé"),
    "waived": translatable("levé"),
    "declared_outcome": translatable("déclaré"),
    "not_reportable": translatable("non déclarable"),
    "duplicate": translatable("doublon"),
    "transferred": translatable("transmis"),
    "information_only": translatable("pour information"),
    "requalified": translatable("requalifié"),
    # Emails in the outbox.
    "pending": translatable("à envoyer"),
    "sent": translatable("envoyé"),
    "failed": translatable("en échec"),
}

#: Roles of accounts, as people read them.
ROLE_LABELS = {
    "reporter": translatable("déclarant"),
    "correspondent": translatable("correspondant"),
    "coordinator": translatable("coordonnateur"),
    "admin": translatable("administrateur"),
}

#: Levels that are not on a scale: nobody assessed yet, or nothing known.
UNASSESSED_LABELS = {
    "not_assessed": translatable("non évaluée"),
    "unknown": translatable("inconnue"),
}


#: Imputability scales by name, as their identifiers (stored with each assessment) are not.
SCALE_LABELS = {
    "ansm-hv-imputability-2020": translatable("échelle de l'ANSM, 2020"),
    "eu-tissues-cells-imputability": translatable("échelle de la directive 2006/86/CE"),
    "who-umc-2013": translatable("échelle OMS-UMC"),
    "mdcg-2023-3-relatedness": translatable("échelle MDCG 2023-3"),
    "not-applicable": translatable("sans échelle"),
}


def status_count(status: str, count: int) -> Message:
    """A number of open items in *status*, in the form its number takes: "1 nouveau", "3 nouveaux"."""
    if status == "new":
        return translatable_plural("%(num)s nouveau", "%(num)s nouveaux", count)
    if status == "in_progress":
        return translatable_plural("%(num)s en cours", "%(num)s en cours", count)
    if status == "awaiting_information":
        return translatable_plural("%(num)s en attente d'information", "%(num)s en attente d'information", count)
    if status == "declared":
        return translatable_plural("%(num)s déclaré", "%(num)s déclarés", count)
    return translatable("%(status)s : %(num)s", status=STATUS_LABELS.get(status, status), num=count)


def label(table: dict[str, Message], key: str, language: str) -> str:
    """*key*'s wording in *language*, or *key* itself when the table does not know it."""
    message = table.get(key)
    return message.render(language) if message is not None else key


#: The steps of a report's history that are not triage actions (those are named in
#: vigilance.actions): audit events' actions, and for an item's transitions the step named at
#: the end of the target, ``item:<id>:<step>``.
HISTORY_LABELS = {
    "create": translatable("signalement reçu"),
    "read": translatable("consultation"),
    "export": translatable("export"),
    "attachment": translatable("pièce jointe ajoutée"),
    "case_file": translatable("dossier de déclaration complété"),
}


def history_step(action: str, target: str, language: str) -> str:
    """What one audit event of a report did, as people read it ("prise en charge")."""
    step = target.rsplit(":", 1)[-1] if action == "update" else action
    if step in RULES:
        return RULES[step].history.render(language)
    return label(HISTORY_LABELS, step, language)
