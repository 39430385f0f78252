"""Every triage action as the state machine and the history know it: the statuses that allow
it, and its words.

The doors (app/triage_actions.py, one entry per rule, same name) add each action's input
schema, its call and their own words;
the domain (vigilance/triage.py) refuses an action in a status not listed here, and the history
of a report (vigilance/labels.py) names each step with the words here.
"""

from dataclasses import dataclass

from vigilance.i18n import Message, translatable
from vigilance.models import OPEN_ITEM_STATUSES, ItemStatus


@dataclass(frozen=True)
class ActionRule:
    #: The item statuses that allow it; empty for an action that does not move an item.
    allowed_in: tuple[str, ...]
    #: The action as a verb, as in "Impossible de {verb} un élément clos."
    verb: Message
    #: Its step in a report's history.
    history: Message


#: The actions by the name their audit events give their step (``item:<id>:<name>``, ``link``).
RULES: dict[str, ActionRule] = {
    "claim": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("prendre en charge"),
        history=translatable("prise en charge"),
    ),
    "release": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("relâcher"),
        history=translatable("remise dans la file"),
    ),
    "assign": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("attribuer"),
        history=translatable("attribution"),
    ),
    "assess": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("évaluer"),
        history=translatable("évaluation"),
    ),
    "request_information": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("demander une information sur"),
        history=translatable("question au déclarant"),
    ),
    "declare": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("enregistrer une déclaration pour"),
        history=translatable("déclaration enregistrée"),
    ),
    "requalify": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("requalifier"),
        history=translatable("requalification"),
    ),
    "close": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("clore"),
        history=translatable("clôture"),
    ),
    "reopen": ActionRule(
        (ItemStatus.CLOSED,),
        verb=translatable("rouvrir"),
        history=translatable("réouverture"),
    ),
    "waive_deadline": ActionRule(
        (),
        verb=translatable("lever un délai de"),
        history=translatable("délai levé"),
    ),
    "answer": ActionRule(
        (),
        verb=translatable("répondre à"),
        history=translatable("réponse du déclarant"),
    ),
    "information_copy": ActionRule(
        OPEN_ITEM_STATUSES,
        verb=translatable("envoyer une copie pour information de"),
        history=translatable("copie pour information envoyée"),
    ),
    "followup_step": ActionRule(
        (),
        verb=translatable("marquer une étape de suivi de"),
        history=translatable("étape de suivi faite"),
    ),
    "link": ActionRule(
        (),
        verb=translatable("lier"),
        history=translatable("lien avec un autre signalement"),
    ),
}
