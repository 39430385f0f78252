"""Every triage action described once, for both doors: its input schema, its domain call, its words.

The API (app/api/triage.py) declares one operation per action from this table; the item page
(app/pages/triage.py) turns its form into the same payload and validates it with the same
schema, so the two doors accept and refuse the same things. Who may do an action, and in which
status, is the domain's to say: the call loads its target as the actor may work it
(vigilance.triage), and the action's rule (``vigilance.actions.RULES``, same name) holds the
statuses that allow it and its words in refusals and in the history. The words the doors say
(the notice once done, the button) are here, in gettext as the pages' other texts.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _
from marshmallow import Schema
from sqlmodel import Session

from app.api.triage_inputs import (
    AnswerSchema,
    AssessSchema,
    AssignSchema,
    CloseSchema,
    DeadlineWaiverSchema,
    DeclarationSchema,
    FollowupStepDoneSchema,
    InformationCopySchema,
    LinkSchema,
    QuestionSchema,
    ReasonSchema,
    RequalifySchema,
)
from vigilance import triage
from vigilance.models import User


@dataclass(frozen=True)
class Act:
    """Who acts, when, and where the service is reached (for the links its emails carry)."""

    actor: User
    now: datetime
    base_url: str = ""


@dataclass(frozen=True)
class TriageAction:
    #: The domain's name of the action: its key in ``vigilance.actions.RULES`` (the statuses
    #: that allow it, its words in refusals and in the history).
    name: str
    #: What the action's id in the URL names: "item", "deadline", "report" or "request".
    target: str
    #: The last segment of its URL on the API (``POST /api/v1/queue-items/<id>/<api_path>`` for
    #: an item's action; the deadline's, report's or question's URL for the others).
    api_path: str
    #: The last segment of its URL on the pages (``POST /queue-items/<id>/<page_path>``), if any.
    page_path: str | None
    #: What it takes; ``None`` for an action that takes nothing.
    schema: Schema | None
    #: The domain call: (session, target id, validated input, who acts) -> what the domain returns.
    perform: Callable[[Session, int, Mapping[str, Any], Act], Any]
    #: One line for the API's documentation.
    summary: str
    #: What its author is told once it is done (a page's notice).
    done: LazyString
    #: The button that does it on a page, if any.
    button: LazyString | None = None

    def load(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The validated input; :class:`marshmallow.ValidationError` with the field errors."""
        return self.schema.load(payload) if self.schema is not None else {}


def _assessment(args: Mapping[str, Any]) -> triage.AssessmentInput:
    return triage.AssessmentInput(
        severity_grade=args.get("severity_grade"),
        imputability=args.get("imputability"),
        seriousness_criteria=tuple(args.get("seriousness_criteria", ())),
        reaction_type=args.get("reaction_type"),
        investigation_status=args.get("investigation_status"),
        comment=args.get("comment", ""),
    )


ACTIONS: tuple[TriageAction, ...] = (
    TriageAction(
        name="claim",
        target="item",
        api_path="claim",
        page_path="claim",
        schema=None,
        perform=lambda db, item_id, args, by: triage.claim_with_report(db, item_id=item_id, actor=by.actor, now=by.now),
        summary="Take the item; of simultaneous claims exactly one succeeds, the others get 409.",
        done=_("Élément pris en charge."),
        button=_("Prendre en charge"),
    ),
    TriageAction(
        name="release",
        target="item",
        api_path="release",
        page_path="release",
        schema=None,
        perform=lambda db, item_id, args, by: triage.release(db, item_id=item_id, actor=by.actor, now=by.now),
        summary="Give the item back to the queue.",
        done=_("Élément relâché."),
        button=_("Relâcher"),
    ),
    TriageAction(
        name="assign",
        target="item",
        api_path="assign",
        page_path="assign",
        schema=AssignSchema(),
        perform=lambda db, item_id, args, by: triage.assign(
            db,
            item_id=item_id,
            actor=by.actor,
            assignee_id=args["assignee_id"],
            now=by.now,
            expected_version=args.get("expected_version"),
        ),
        summary="Hand the item to a colleague of the same queue and establishment.",
        done=_("Élément attribué."),
        button=_("Attribuer"),
    ),
    TriageAction(
        name="assess",
        target="item",
        api_path="assess",
        page_path="assess",
        schema=AssessSchema(),
        perform=lambda db, item_id, args, by: triage.assess(
            db,
            item_id=item_id,
            actor=by.actor,
            now=by.now,
            based_on_version=args["based_on_version"],
            data=_assessment(args),
        ),
        summary="Record a new version of the assessment (refused if stale).",
        done=_("Évaluation enregistrée."),
        button=_("Enregistrer l'évaluation"),
    ),
    TriageAction(
        name="request_information",
        target="item",
        api_path="information-requests",
        page_path="ask",
        schema=QuestionSchema(),
        perform=lambda db, item_id, args, by: triage.request_information(
            db, item_id=item_id, actor=by.actor, question=args["question"], now=by.now, base_url=by.base_url
        ),
        summary="Ask the reporter a question.",
        done=_("Question envoyée au déclarant."),
        button=_("Envoyer la question"),
    ),
    TriageAction(
        name="declare",
        target="item",
        api_path="declarations",
        page_path="declare",
        schema=DeclarationSchema(),
        perform=lambda db, item_id, args, by: triage.declare(
            db,
            item_id=item_id,
            actor=by.actor,
            authority=args["authority"],
            authority_reference=args["authority_reference"],
            declared_at=args.get("declared_at"),
            declared_on=args.get("declared_on"),
            kind=args["kind"],
            now=by.now,
            document_id=args.get("document_id"),
        ),
        summary="Record a declaration to the authority (meets the declaration deadline).",
        done=_("Déclaration enregistrée."),
        button=_("Enregistrer la déclaration"),
    ),
    TriageAction(
        name="requalify",
        target="item",
        api_path="requalify",
        page_path="requalify",
        schema=RequalifySchema(),
        perform=lambda db, item_id, args, by: triage.requalify(
            db,
            item_id=item_id,
            actor=by.actor,
            category=args["category"],
            reason=args["reason"],
            now=by.now,
            base_url=by.base_url,
        ),
        summary="Set the product's category; the report is routed again.",
        done=_("Produit requalifié : le signalement a été réorienté."),
        button=_("Requalifier"),
    ),
    TriageAction(
        name="close",
        target="item",
        api_path="close",
        page_path="close",
        schema=CloseSchema(),
        perform=lambda db, item_id, args, by: triage.close(
            db,
            item_id=item_id,
            actor=by.actor,
            outcome=args["outcome"],
            note=args["note"],
            now=by.now,
            withdraw_questions=args["withdraw_questions"],
        ),
        summary="Close the item with an outcome.",
        done=_("Élément clos."),
        button=_("Clore"),
    ),
    TriageAction(
        name="reopen",
        target="item",
        api_path="reopen",
        page_path="reopen",
        schema=ReasonSchema(),
        perform=lambda db, item_id, args, by: triage.reopen(
            db, item_id=item_id, actor=by.actor, reason=args["reason"], now=by.now
        ),
        summary="Reopen a closed item, saying why.",
        done=_("Élément rouvert."),
        button=_("Rouvrir"),
    ),
    TriageAction(
        name="waive_deadline",
        target="deadline",
        api_path="waive",
        page_path=None,
        schema=ReasonSchema(),
        perform=lambda db, deadline_id, args, by: triage.waive_deadline(
            db, deadline_id=deadline_id, actor=by.actor, reason=args["reason"], now=by.now
        ),
        summary="Waive a deadline that does not apply, saying why.",
        done=_("Délai levé."),
    ),
    TriageAction(
        name="information_copy",
        target="item",
        api_path="information-copies",
        page_path="information-copy",
        schema=InformationCopySchema(),
        perform=lambda db, item_id, args, by: triage.send_information_copy(
            db, item_id=item_id, queue=args["queue"], actor=by.actor, now=by.now, base_url=by.base_url
        ),
        summary="Send the report to another vigilance for information, where a text leaves it to the correspondent.",
        done=_("Copie pour information envoyée."),
        button=_("Envoyer la copie"),
    ),
    TriageAction(
        name="followup_step",
        target="item",
        api_path="followup-steps",
        page_path="followup-step",
        schema=FollowupStepDoneSchema(),
        perform=lambda db, item_id, args, by: triage.complete_followup_step(
            db,
            item_id=item_id,
            plan_id=args["plan"],
            number=args["step"],
            actor=by.actor,
            note=args["note"],
            now=by.now,
        ),
        summary="Mark a step of the item's follow-up plan done, with what was found.",
        done=_("Étape de suivi faite."),
        button=_("Marquer comme faite"),
    ),
    TriageAction(
        name="link",
        target="report",
        api_path="links",
        page_path=None,
        schema=LinkSchema(),
        perform=lambda db, report_id, args, by: triage.link_reports(
            db,
            report_id=report_id,
            other_report_id=args["other_report_id"],
            actor=by.actor,
            reason=args["reason"],
            now=by.now,
        ),
        summary="Link two reports that concern the same event or product.",
        done=_("Signalements liés."),
    ),
    TriageAction(
        name="answer",
        target="request",
        api_path="answer",
        page_path="answer",
        schema=AnswerSchema(),
        perform=lambda db, request_id, args, by: triage.answer_information(
            db, request_id=request_id, actor=by.actor, answer=args["answer"], now=by.now, base_url=by.base_url
        ),
        summary="The reporter answers a correspondent's question.",
        done=_("Réponse envoyée."),
    ),
)

#: The actions by their domain name.
BY_NAME: dict[str, TriageAction] = {action.name: action for action in ACTIONS}
#: The item's actions by the last segment of their page URL.
ITEM_PAGE_ACTIONS: dict[str, TriageAction] = {
    action.page_path: action for action in ACTIONS if action.target == "item" and action.page_path
}
#: Waiving one of the item's deadlines from the item's page: the page posts to the item's URL
#: with the deadline's id in the form; the domain refuses a deadline of another item.
ITEM_PAGE_ACTIONS["waive"] = TriageAction(
    name="waive_deadline",
    target="item",
    api_path=BY_NAME["waive_deadline"].api_path,
    page_path="waive",
    schema=DeadlineWaiverSchema(),
    perform=lambda db, item_id, args, by: triage.waive_deadline(
        db, deadline_id=args["deadline_id"], item_id=item_id, actor=by.actor, reason=args["reason"], now=by.now
    ),
    summary=BY_NAME["waive_deadline"].summary,
    done=BY_NAME["waive_deadline"].done,
    button=_("Lever ce délai"),
)
