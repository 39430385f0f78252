"""Every triage action as the state machine and the history know it: the statuses that allow
it, and its words.

The doors (app/triage_actions.py, one entry per rule, same name) add each action's input
schema, its call and their own words;
the domain (vigilance/triage.py) refuses an action in a status not listed here, and the history
of a report (vigilance/labels.py) names each step with the words here.
"""

from dataclasses import dataclass

from vigilance.errors import Text
from vigilance.models import OPEN_ITEM_STATUSES, ItemStatus


@dataclass(frozen=True)
class ActionRule:
    #: The item statuses that allow it; empty for an action that does not move an item.
    allowed_in: tuple[str, ...]
    #: The action as a verb, as in "Impossible de {verb} un élément clos."
    verb: Text
    #: Its step in a report's history.
    history: Text


#: The actions by the name their audit events give their step (``item:<id>:<name>``, ``link``).
RULES: dict[str, ActionRule] = {
    "claim": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "prendre en charge", "en": "claim"},
        history={"fr": "prise en charge", "en": "claimed"},
    ),
    "release": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "relâcher", "en": "release"},
        history={"fr": "remise dans la file", "en": "released"},
    ),
    "assign": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "attribuer", "en": "assign"},
        history={"fr": "attribution", "en": "assigned"},
    ),
    "assess": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "évaluer", "en": "assess"},
        history={"fr": "évaluation", "en": "assessed"},
    ),
    "request_information": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "demander une information sur", "en": "request information on"},
        history={"fr": "question au déclarant", "en": "question to the reporter"},
    ),
    "declare": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "enregistrer une déclaration pour", "en": "record a declaration for"},
        history={"fr": "déclaration enregistrée", "en": "declaration recorded"},
    ),
    "requalify": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "requalifier", "en": "requalify"},
        history={"fr": "requalification", "en": "requalified"},
    ),
    "close": ActionRule(
        OPEN_ITEM_STATUSES,
        verb={"fr": "clore", "en": "close"},
        history={"fr": "clôture", "en": "closed"},
    ),
    "reopen": ActionRule(
        (ItemStatus.CLOSED,),
        verb={"fr": "rouvrir", "en": "reopen"},
        history={"fr": "réouverture", "en": "reopened"},
    ),
    "waive_deadline": ActionRule(
        (),
        verb={"fr": "lever un délai de", "en": "waive a deadline of"},
        history={"fr": "délai levé", "en": "deadline waived"},
    ),
    "answer": ActionRule(
        (),
        verb={"fr": "répondre à", "en": "answer"},
        history={"fr": "réponse du déclarant", "en": "reporter's answer"},
    ),
    "link": ActionRule(
        (),
        verb={"fr": "lier", "en": "link"},
        history={"fr": "lien avec un autre signalement", "en": "linked to another report"},
    ),
}
