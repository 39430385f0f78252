"""Every route of the service, and who may use it: the access table.

Adding a route? Add its line here (``tests/access/test_routes.py`` fails until every rule of
``app.url_map``, each method, has one), saying which roles may use it. The probes then run against
the line on SQLite and PostgreSQL: each role left out must be refused (401, 403 or 404, or sent
to sign in for a page) with nothing stored, each role named must succeed, and a revoked token, a
disabled account and a signed-out session must be refused wherever a signed-in role is named.

The roles, seen from one case (a serious transfusion reaction filed in establishment A, in the
haemovigilance queue):
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vigilance.redecision import fingerprint

ANONYMOUS = "anonymous"
#: The reporter who filed the case.
REPORTER = "reporter"
#: Another reporter of the same establishment.
OTHER_REPORTER = "other_reporter"
#: A correspondent of the case's vigilance (haemovigilance) in its establishment.
CORRESPONDENT = "correspondent"
#: A correspondent of another vigilance (biovigilance) in the same establishment.
OTHER_VIGILANCE = "other_vigilance"
#: A correspondent of the same vigilance in another establishment.
OTHER_ESTABLISHMENT = "other_establishment"
#: The coordinator of the case's establishment.
COORDINATOR = "coordinator"
#: The coordinator of another establishment.
OTHER_COORDINATOR = "other_coordinator"
#: An administrator (accounts, outbox), coordinating no establishment.
ADMIN = "admin"

ROLES = (
    ANONYMOUS,
    REPORTER,
    OTHER_REPORTER,
    CORRESPONDENT,
    OTHER_VIGILANCE,
    OTHER_ESTABLISHMENT,
    COORDINATOR,
    OTHER_COORDINATOR,
    ADMIN,
)
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANONYMOUS}
#: Whoever belongs to an establishment (an admin without one cannot file).
IN_AN_ESTABLISHMENT = SIGNED_IN - {ADMIN}
#: Whoever works at least one queue somewhere: the figures of their own queues.
WORKS_QUEUES = frozenset({CORRESPONDENT, OTHER_VIGILANCE, OTHER_ESTABLISHMENT, COORDINATOR, OTHER_COORDINATOR})
#: Whoever works the case's queue in its establishment.
WORKS_THE_CASE = frozenset({CORRESPONDENT, COORDINATOR})
#: Whoever reads the case's report.
READS_THE_CASE = frozenset({REPORTER, CORRESPONDENT, COORDINATOR})
#: Whoever owns the draft: the case's reporter (anyone else is told it does not exist).
OWNS_THE_DRAFT = frozenset({REPORTER})
NOBODY: frozenset[str] = frozenset()
#: Whoever coordinates an establishment (the case's or another).
COORDINATES = frozenset({COORDINATOR, OTHER_COORDINATOR})
#: The rulebook the re-decision lines name.
SOHO = "eu-soho-2027-08-07"


@dataclass(frozen=True)
class Case:
    """The ids a request names: one case and what surrounds it."""

    report_id: int
    reference: str
    item_id: int
    question_id: int
    deadline_id: int
    #: Another report of the same reporter in the same queue, to link the case to.
    other_report_id: int
    #: A correspondent of the same queue and establishment, to assign the item to.
    colleague_id: int
    #: An account for the administrator's pages to act on.
    account_id: int
    #: An outgoing email (the question to the reporter).
    message_id: int
    #: A draft of the case's reporter, a follow-up whose text names the case (its reference).
    draft_id: int
    #: A file the case's reporter attached to the report.
    attachment_id: int
    year: int
    month: int
    establishment_id: int
    #: A document generated for the case's item (a case sheet naming the case).
    document_id: int = 0
    #: A first sign-in by single sign-on waiting for an administrator.
    sign_in_request_id: int = 0


@dataclass(frozen=True)
class Call:
    path: str
    json: Any = None
    form: dict[str, str] | None = None
    #: Files sent with the form (multipart): field name -> (file name, bytes).
    files: dict[str, tuple[str, bytes]] | None = None


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    #: The roles that may use it, with the case's ids.
    allowed: frozenset[str]
    call: Callable[[Case], Call]
    #: Of the allowed roles, those whose answer shows the case (its reference); the others'
    #: answers must not.
    sees_case: frozenset[str] = NOBODY
    #: Of the allowed roles, those whose answer may or may not show the case, depending on what
    #: else the world holds (the newest outgoing mail first): neither is asserted.
    may_show_case: frozenset[str] = NOBODY
    #: Anyone may use it, signed in or not: no probe of credentials.
    public: bool = False
    #: It changes something: each allowed role succeeds on a case of its own, prepared so.
    writes: bool = False
    #: A success stores rows (an audit event at least); ``False`` where it only updates one.
    stores: bool = True
    #: What to do to a fresh case first (by name, see ``tests/access/world.py``): "claimed", "closed".
    prepared: str = ""
    #: Statuses that mean the view did its work (a page refusing input a signed-in person typed).
    ok: tuple[int, ...] = ()
    #: Several lines of one rule: what this one tries.
    variant: str = ""
    #: Using it ends the browser's session (signing in again, signing out): each allowed role sends
    #: it from a session of its own, so that the others' lines still find theirs alive.
    ends_session: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.rule

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def name(self) -> str:
        return f"{self.method} {self.rule}" + (f" [{self.variant}]" if self.variant else "")


def _item_page_action(action: str, form: dict[str, str], prepared: str = "") -> Route:
    return Route(
        "POST",
        "/queue-items/<int:item_id>/<action>",
        WORKS_THE_CASE,
        lambda c: Call(f"/queue-items/{c.item_id}/{action}", form=form),
        writes=True,
        prepared=prepared,
        variant=action,
    )


def _item_api_action(action: str, json: Any, prepared: str = "") -> Route:
    return Route(
        "POST",
        f"/api/v1/queue-items/<int:item_id>/{action}",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/{action}", json=json),
        sees_case=WORKS_THE_CASE,
        writes=True,
        prepared=prepared,
    )


_A_REPORT = {
    "event_kind": "recipient_adverse_reaction",
    "occurred_at": "2026-11-20T14:30:00+01:00",
    "product": {"name": "CGR phénotypé"},
    "description": "Frissons et hyperthermie 30 minutes après le début de la transfusion.",
    "serious": True,
    "severity_grade": 2,
}
_REPORT_FORM = {
    "form_token": "",  # a fresh one per request: see world.py
    "event_kind": "recipient_adverse_reaction",
    "occurred_at": "2026-11-20T14:30",
    "product_name": "CGR phénotypé",
    "serious": "yes",
    "severity_grade": "2",
    "description": "Frissons et hyperthermie 30 minutes après le début de la transfusion.",
}
#: The report form's fields as the page's script saves them (``/reports/drafts``).
_DRAFT_FORM = {
    "form_token": "",  # a fresh one per request: see world.py
    "product_name": "CGR phénotypé",
    "description": "Frissons 30 minutes après le début de la transfusion.",
}
_DRAFT = {"fields": {"product_name": "CGR phénotypé", "description": "Frissons, puis hyperthermie."}}
_DECLARATION = {"authority": "ANSM", "authority_reference": "EFIT-77", "declared_on": "2026-11-21"}
#: A file to attach: a PDF, as its first bytes say.
A_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ROUTES: tuple[Route, ...] = (
    # Open to anyone ---------------------------------------------------------------------------
    Route("GET", "/", EVERYONE, lambda c: Call("/"), public=True),
    Route("GET", "/language/<lang>", EVERYONE, lambda c: Call("/language/en"), public=True),
    Route("GET", "/login", EVERYONE, lambda c: Call("/login"), public=True),
    Route(
        "POST",
        "/login",
        EVERYONE,
        lambda c: Call("/login", form={"email": "visitor@example.org", "password": "correct horse battery"}),
        public=True,
        ends_session=True,
    ),
    Route("POST", "/logout", EVERYONE, lambda c: Call("/logout", form={}), public=True, ends_session=True),
    # Single sign-on: the probes' service has no OpenID provider set, so these answer 404 to
    # anyone (tests/oidc/ runs them against a real provider).
    Route("GET", "/login/oidc", NOBODY, lambda c: Call("/login/oidc")),
    Route("GET", "/login/oidc/callback", NOBODY, lambda c: Call("/login/oidc/callback?code=x&state=y")),
    Route("GET", "/login/oidc/waiting", NOBODY, lambda c: Call("/login/oidc/waiting")),
    Route("GET", "/healthz", EVERYONE, lambda c: Call("/healthz"), public=True),
    # The probes' database is made from the models, not migrated: answered, "not ready".
    Route("GET", "/readyz", EVERYONE, lambda c: Call("/readyz"), public=True, ok=(503,)),
    Route("GET", "/static/<path:filename>", EVERYONE, lambda c: Call("/static/site.css"), public=True),
    Route("GET", "/api/v1/openapi.json", EVERYONE, lambda c: Call("/api/v1/openapi.json"), public=True),
    Route(
        "POST",
        "/api/v1/classify",
        EVERYONE,
        lambda c: Call("/api/v1/classify", json={"event_kind": "incident", "product": {"name": "CGR"}}),
        public=True,
    ),
    # The metrics token or the allowed networks only: no person.
    Route("GET", "/metrics", NOBODY, lambda c: Call("/metrics"), public=True),
    # One's own alerts: the case's correspondent is alerted of the serious case, its reporter of a question.
    Route("GET", "/alerts", SIGNED_IN, lambda c: Call("/alerts"), sees_case=frozenset({REPORTER, CORRESPONDENT})),
    Route("POST", "/alerts/read", SIGNED_IN, lambda c: Call("/alerts/read", form={}), writes=True, stores=False),
    # One's own account ------------------------------------------------------------------------
    Route("GET", "/profile", SIGNED_IN, lambda c: Call("/profile")),
    Route(
        "POST", "/profile", SIGNED_IN, lambda c: Call("/profile", form={"language": "fr"}), writes=True, stores=False
    ),
    # The same password again: refused by the signed-in view itself (400), which changes nothing.
    Route(
        "POST",
        "/profile/password",
        SIGNED_IN,
        lambda c: Call(
            "/profile/password",
            form={
                "current_password": "correct horse battery",
                "password": "correct horse battery",
                "password_confirmation": "correct horse battery",
            },
        ),
        ok=(400,),
    ),
    # Reports ------------------------------------------------------------------------------------
    Route("GET", "/reports/new", SIGNED_IN, lambda c: Call("/reports/new")),
    Route("POST", "/reports/new", IN_AN_ESTABLISHMENT, lambda c: Call("/reports/new", form=_REPORT_FORM), writes=True),
    Route("GET", "/reports/mine", SIGNED_IN, lambda c: Call("/reports/mine"), sees_case=frozenset({REPORTER})),
    Route(
        "GET",
        "/reports/<int:report_id>",
        READS_THE_CASE,
        lambda c: Call(f"/reports/{c.report_id}"),
        sees_case=READS_THE_CASE,
    ),
    Route(
        "GET",
        "/reports/<int:report_id>/fhir.json",
        READS_THE_CASE,
        lambda c: Call(f"/reports/{c.report_id}/fhir.json"),
        sees_case=READS_THE_CASE,
    ),
    Route(
        "GET",
        "/reports/<int:report_id>/questions",
        READS_THE_CASE,
        lambda c: Call(f"/reports/{c.report_id}/questions"),
    ),
    Route(
        "POST",
        "/information-requests/<int:request_id>/answer",
        frozenset({REPORTER}),
        lambda c: Call(f"/information-requests/{c.question_id}/answer", form={"answer": "250 mL, poche n° 3."}),
        writes=True,
        prepared="asked",
    ),
    Route(
        "POST", "/api/v1/reports", IN_AN_ESTABLISHMENT, lambda c: Call("/api/v1/reports", json=_A_REPORT), writes=True
    ),
    Route("GET", "/api/v1/reports", SIGNED_IN, lambda c: Call("/api/v1/reports"), sees_case=frozenset({REPORTER})),
    Route(
        "GET",
        "/api/v1/reports/<int:report_id>",
        READS_THE_CASE,
        lambda c: Call(f"/api/v1/reports/{c.report_id}"),
        sees_case=READS_THE_CASE,
    ),
    Route(
        "GET",
        "/api/v1/reports/<int:report_id>/fhir",
        READS_THE_CASE,
        lambda c: Call(f"/api/v1/reports/{c.report_id}/fhir"),
        sees_case=READS_THE_CASE,
    ),
    Route(
        "POST",
        "/api/v1/information-requests/<int:request_id>/answer",
        frozenset({REPORTER}),
        lambda c: Call(f"/api/v1/information-requests/{c.question_id}/answer", json={"answer": "250 mL."}),
        writes=True,
        prepared="asked",
    ),
    # Drafts of reports: their owner's alone; kept by whoever may file ------------------------------
    Route(
        "GET",
        "/reports/new",
        OWNS_THE_DRAFT,
        lambda c: Call(f"/reports/new?draft={c.draft_id}"),
        sees_case=OWNS_THE_DRAFT,
        variant="resume a draft",
    ),
    Route("GET", "/reports/drafts", SIGNED_IN, lambda c: Call("/reports/drafts"), sees_case=OWNS_THE_DRAFT),
    Route(
        "POST", "/reports/drafts", IN_AN_ESTABLISHMENT, lambda c: Call("/reports/drafts", form=_DRAFT_FORM), writes=True
    ),
    Route(
        "POST",
        "/reports/drafts/<int:draft_id>/delete",
        OWNS_THE_DRAFT,
        lambda c: Call(f"/reports/drafts/{c.draft_id}/delete", form={}),
        writes=True,
    ),
    Route("GET", "/api/v1/drafts", SIGNED_IN, lambda c: Call("/api/v1/drafts"), sees_case=OWNS_THE_DRAFT),
    Route("POST", "/api/v1/drafts", IN_AN_ESTABLISHMENT, lambda c: Call("/api/v1/drafts", json=_DRAFT), writes=True),
    Route(
        "GET",
        "/api/v1/drafts/<int:draft_id>",
        OWNS_THE_DRAFT,
        lambda c: Call(f"/api/v1/drafts/{c.draft_id}"),
        sees_case=OWNS_THE_DRAFT,
    ),
    Route(
        "PUT",
        "/api/v1/drafts/<int:draft_id>",
        OWNS_THE_DRAFT,
        lambda c: Call(f"/api/v1/drafts/{c.draft_id}", json=_DRAFT),
        writes=True,
    ),
    Route(
        "DELETE",
        "/api/v1/drafts/<int:draft_id>",
        OWNS_THE_DRAFT,
        lambda c: Call(f"/api/v1/drafts/{c.draft_id}"),
        writes=True,
    ),
    # Queues and items ----------------------------------------------------------------------------
    Route("GET", "/queues", SIGNED_IN, lambda c: Call("/queues")),
    Route(
        "GET",
        "/queues/<queue>",
        WORKS_THE_CASE | {OTHER_ESTABLISHMENT, OTHER_COORDINATOR},
        lambda c: Call("/queues/haemovigilance"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/api/v1/queues/<string:queue>/items",
        WORKS_THE_CASE | {OTHER_ESTABLISHMENT, OTHER_COORDINATOR},
        lambda c: Call("/api/v1/queues/haemovigilance/items"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/queue-items/<int:item_id>",
        WORKS_THE_CASE,
        lambda c: Call(f"/queue-items/{c.item_id}"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/api/v1/queue-items/<int:item_id>",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}"),
        sees_case=WORKS_THE_CASE,
    ),
    # The case sheet (a PDF, read back as text) and the queue's line list.
    Route(
        "GET",
        "/queue-items/<int:item_id>/case-sheet.pdf",
        WORKS_THE_CASE,
        lambda c: Call(f"/queue-items/{c.item_id}/case-sheet.pdf"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/api/v1/queue-items/<int:item_id>/case-sheet.pdf",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/case-sheet.pdf"),
        sees_case=WORKS_THE_CASE,
    ),
    # The authority's declaration form of the item (a haemovigilance recipient reaction: the
    # FEIR), generated and stored as a version of the item's documents.
    Route(
        "GET",
        "/api/v1/queue-items/<int:item_id>/declaration.pdf",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/declaration.pdf"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "POST",
        "/queue-items/<int:item_id>/declaration.pdf",
        WORKS_THE_CASE,
        lambda c: Call(f"/queue-items/{c.item_id}/declaration.pdf", form={}),
        writes=True,
        ok=(303,),
    ),
    *(
        Route(
            "GET",
            rule,
            WORKS_THE_CASE | {OTHER_ESTABLISHMENT, OTHER_COORDINATOR},
            lambda c, path=path: Call(path),
            sees_case=WORKS_THE_CASE,
        )
        for rule, path in (
            ("/queues/<queue>/line-list.csv", "/queues/haemovigilance/line-list.csv"),
            ("/queues/<queue>/line-list.json", "/queues/haemovigilance/line-list.json"),
            ("/api/v1/queues/<string:queue>/line-list.csv", "/api/v1/queues/haemovigilance/line-list.csv"),
            ("/api/v1/queues/<string:queue>/line-list.json", "/api/v1/queues/haemovigilance/line-list.json"),
        )
    ),
    _item_page_action("claim", {}),
    _item_page_action("release", {}, prepared="claimed"),
    _item_page_action("assign", {"assignee_id": "{colleague_id}"}, prepared="claimed"),
    _item_page_action("assess", {"based_on_version": "0", "severity_grade": "2"}),
    _item_page_action("ask", {"question": "Quel volume a été transfusé ?"}),
    _item_page_action("declare", _DECLARATION),
    _item_page_action("requalify", {"category": "labile_blood_product", "reason": "Confirmé."}),
    _item_page_action("close", {"outcome": "not_reportable", "note": "Sans lien."}),
    _item_page_action("reopen", {"reason": "Nouvel élément."}, prepared="closed"),
    # A transfusion reaction may be due to a product of another vigilance (CSP R.1221-49-3).
    _item_page_action("information-copy", {"queue": "pharmacovigilance"}),
    # The case (a transfusion reaction) opens the investigation's follow-up plan: its first step done.
    _item_page_action("followup-step", {"plan": "f-hv-recipient-investigation", "step": "1", "note": "RAI négative."}),
    # Generated documents: downloaded by whoever opens the item. The E2B message is for
    # pharmacovigilance items only: the case (a transfusion reaction) has none, for anyone.
    Route(
        "GET",
        "/documents/<int:document_id>",
        WORKS_THE_CASE,
        lambda c: Call(f"/documents/{c.document_id}"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/api/v1/documents/<int:document_id>",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/documents/{c.document_id}"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/api/v1/queue-items/<int:item_id>/documents",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/documents"),
    ),
    Route(
        "GET",
        "/queue-items/<int:item_id>/declaration.xml",
        NOBODY,
        lambda c: Call(f"/queue-items/{c.item_id}/declaration.xml"),
    ),
    Route(
        "GET",
        "/api/v1/queue-items/<int:item_id>/declaration.xml",
        NOBODY,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/declaration.xml"),
    ),
    Route(
        "POST",
        "/queue-items/<int:item_id>/declaration.xml/generate",
        NOBODY,
        lambda c: Call(f"/queue-items/{c.item_id}/declaration.xml/generate", form={}),
        writes=True,
    ),
    Route(
        "POST",
        "/queue-items/<int:item_id>/declaration.xml/nullify",
        NOBODY,
        lambda c: Call(f"/queue-items/{c.item_id}/declaration.xml/nullify", form={"reason": "Doublon."}),
        writes=True,
    ),
    Route(
        "POST",
        "/api/v1/queue-items/<int:item_id>/declaration.xml/nullify",
        NOBODY,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/declaration.xml/nullify", json={"reason": "Doublon."}),
        writes=True,
    ),
    _item_api_action("claim", {}),
    _item_api_action("release", {}, prepared="claimed"),
    _item_api_action("assign", {"assignee_id": "{colleague_id}"}, prepared="claimed"),
    _item_api_action("assess", {"based_on_version": 0, "severity_grade": 2}),
    _item_api_action("information-requests", {"question": "Quel volume a été transfusé ?"}),
    _item_api_action("declarations", _DECLARATION),
    _item_api_action("requalify", {"category": "labile_blood_product", "reason": "Confirmé."}),
    _item_api_action("close", {"outcome": "not_reportable", "note": "Sans lien."}),
    _item_api_action("reopen", {"reason": "Nouvel élément."}, prepared="closed"),
    _item_api_action("information-copies", {"queue": "pharmacovigilance"}),
    _item_api_action("followup-steps", {"plan": "f-hv-recipient-investigation", "step": 1, "note": "RAI négative."}),
    Route(
        "POST",
        "/api/v1/deadlines/<int:deadline_id>/waive",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/deadlines/{c.deadline_id}/waive", json={"reason": "Ne s'applique pas."}),
        sees_case=WORKS_THE_CASE,
        writes=True,
    ),
    Route(
        "POST",
        "/api/v1/reports/<int:report_id>/links",
        WORKS_THE_CASE,
        lambda c: Call(
            f"/api/v1/reports/{c.report_id}/links", json={"other_report_id": c.other_report_id, "reason": "Même poche."}
        ),
        writes=True,
    ),
    # The case file: the authority's form, read and completed by whoever works the item ------------
    Route(
        "GET",
        "/api/v1/queue-items/<int:item_id>/case-file",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/case-file"),
    ),
    Route(
        "PUT",
        "/api/v1/queue-items/<int:item_id>/case-file",
        WORKS_THE_CASE,
        lambda c: Call(
            f"/api/v1/queue-items/{c.item_id}/case-file", json={"based_on_version": 1, "data": {"diagnosis": "fnhtr"}}
        ),
        writes=True,
    ),
    Route(
        "POST",
        "/queue-items/<int:item_id>/case-file",
        WORKS_THE_CASE,
        lambda c: Call(
            f"/queue-items/{c.item_id}/case-file", form={"based_on_version": "1", "case_file.diagnosis": "fnhtr"}
        ),
        writes=True,
    ),
    # Attachments: the reporter's to the report, the queue's people's to the item ------------------
    Route(
        "POST",
        "/reports/<int:report_id>/attachments",
        frozenset({REPORTER}),
        lambda c: Call(f"/reports/{c.report_id}/attachments", form={}, files={"file": ("bilan.pdf", A_PDF)}),
        writes=True,
    ),
    Route(
        "POST",
        "/queue-items/<int:item_id>/attachments",
        WORKS_THE_CASE,
        lambda c: Call(f"/queue-items/{c.item_id}/attachments", form={}, files={"file": ("enquete.pdf", A_PDF)}),
        writes=True,
    ),
    Route("GET", "/attachments/<int:attachment_id>", READS_THE_CASE, lambda c: Call(f"/attachments/{c.attachment_id}")),
    Route(
        "POST",
        "/api/v1/reports/<int:report_id>/attachments",
        frozenset({REPORTER}),
        lambda c: Call(f"/api/v1/reports/{c.report_id}/attachments", files={"file": ("bilan.pdf", A_PDF)}),
        writes=True,
    ),
    Route(
        "GET",
        "/api/v1/reports/<int:report_id>/attachments",
        READS_THE_CASE,
        lambda c: Call(f"/api/v1/reports/{c.report_id}/attachments"),
        # The reporter's file is named after the case (see world.py).
        sees_case=READS_THE_CASE,
    ),
    Route(
        "POST",
        "/api/v1/queue-items/<int:item_id>/attachments",
        WORKS_THE_CASE,
        lambda c: Call(f"/api/v1/queue-items/{c.item_id}/attachments", files={"file": ("enquete.pdf", A_PDF)}),
        writes=True,
    ),
    Route(
        "GET",
        "/api/v1/attachments/<int:attachment_id>",
        READS_THE_CASE,
        lambda c: Call(f"/api/v1/attachments/{c.attachment_id}"),
    ),
    # Figures: each reader's own queues ------------------------------------------------------------
    Route("GET", "/dashboard", WORKS_QUEUES, lambda c: Call("/dashboard")),
    Route("GET", "/dashboard.csv", WORKS_QUEUES, lambda c: Call("/dashboard.csv")),
    Route("GET", "/activity", WORKS_QUEUES, lambda c: Call("/activity")),
    Route(
        "GET",
        "/activity/<int:year>",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/activity/<int:year>/<int:month>",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}/{c.month}"),
        sees_case=WORKS_THE_CASE,
    ),
    Route("GET", "/activity/<int:year>/export.csv", WORKS_QUEUES, lambda c: Call(f"/activity/{c.year}/export.csv")),
    Route(
        "GET",
        "/activity/<int:year>/<int:month>/export.csv",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}/{c.month}/export.csv"),
    ),
    Route(
        "GET",
        "/activity/<int:year>/cases.csv",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}/cases.csv"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/activity/<int:year>/<int:month>/cases.csv",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}/{c.month}/cases.csv"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/activity/<int:year>/report.pdf",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}/report.pdf"),
        sees_case=WORKS_THE_CASE,
    ),
    Route(
        "GET",
        "/activity/<int:year>/<int:month>/report.pdf",
        WORKS_QUEUES,
        lambda c: Call(f"/activity/{c.year}/{c.month}/report.pdf"),
        sees_case=WORKS_THE_CASE,
    ),
    # Rulebooks: the coordinators compare them and re-decide their establishment's open reports ---
    Route("GET", "/rulebooks", COORDINATES, lambda c: Call("/rulebooks")),
    Route("GET", "/rulebooks/<rulebook_id>/redecide", COORDINATES, lambda c: Call(f"/rulebooks/{SOHO}/redecide")),
    # The case's event falls before the SoHO rulebook: the approved (empty) list stores nothing.
    Route(
        "POST",
        "/rulebooks/<rulebook_id>/redecide",
        COORDINATES,
        lambda c: Call(f"/rulebooks/{SOHO}/redecide", form={"approve": "1", "expected": fingerprint([])}),
        writes=True,
        stores=False,
    ),
    # Administration ----------------------------------------------------------------------------
    Route("GET", "/admin/accounts", frozenset({ADMIN}), lambda c: Call("/admin/accounts")),
    Route(
        "POST",
        "/admin/accounts",
        frozenset({ADMIN}),
        lambda c: Call(
            "/admin/accounts",
            form={"email": "{new_email}", "role": "reporter", "establishment": "{establishment_id}", "language": "fr"},
        ),
        writes=True,
    ),
    Route(
        "POST",
        "/admin/accounts/<int:user_id>/active",
        frozenset({ADMIN}),
        lambda c: Call(f"/admin/accounts/{c.account_id}/active", form={"active": "1"}),
        writes=True,
        stores=False,
    ),
    Route(
        "POST",
        "/admin/accounts/<int:user_id>/password",
        frozenset({ADMIN}),
        lambda c: Call(f"/admin/accounts/{c.account_id}/password", form={}),
        writes=True,
        stores=False,
    ),
    # Imports: a dry run stores nothing; a confirmation names the digest of a file previewed (an
    # unknown one is refused by the view: 409).
    Route("GET", "/admin/imports", frozenset({ADMIN}), lambda c: Call("/admin/imports")),
    Route(
        "POST",
        "/admin/imports",
        frozenset({ADMIN}),
        lambda c: Call(
            "/admin/imports",
            form={"kind": "accounts"},
            files={"file": ("accounts.csv", b"email,role\nimported-admin@example.org,admin\n")},
        ),
    ),
    Route(
        "POST",
        "/admin/imports/confirm",
        frozenset({ADMIN}),
        lambda c: Call("/admin/imports/confirm", form={"kind": "accounts", "sha256": "0" * 64, "trial": "1" * 64}),
        ok=(409,),
    ),
    # First sign-ins by single sign-on waiting for approval: the page works with or without a
    # provider set (requests made while one was stay to be decided).
    Route("GET", "/admin/sign-in-requests", frozenset({ADMIN}), lambda c: Call("/admin/sign-in-requests")),
    Route(
        "POST",
        "/admin/sign-in-requests/<int:request_id>/approve",
        frozenset({ADMIN}),
        lambda c: Call(
            f"/admin/sign-in-requests/{c.sign_in_request_id}/approve",
            form={"email": "{new_email}", "role": "reporter", "establishment": "{establishment_id}"},
        ),
        writes=True,
    ),
    Route(
        "POST",
        "/admin/sign-in-requests/<int:request_id>/refuse",
        frozenset({ADMIN}),
        lambda c: Call(f"/admin/sign-in-requests/{c.sign_in_request_id}/refuse", form={}),
        writes=True,
    ),
    # The outgoing mail's subjects name the reference of the cases they are about (alerts,
    # questions): the administrator, who sends failed mail again, sees them when the case's mail is
    # among the newest listed.
    Route(
        "GET", "/admin/outbox", frozenset({ADMIN}), lambda c: Call("/admin/outbox"), may_show_case=frozenset({ADMIN})
    ),
    Route("GET", "/admin/outbox/<int:message_id>", frozenset({ADMIN}), lambda c: Call(f"/admin/outbox/{c.message_id}")),
    Route(
        "POST",
        "/admin/outbox/<int:message_id>/retry",
        frozenset({ADMIN}),
        lambda c: Call(f"/admin/outbox/{c.message_id}/retry", form={}),
        writes=True,
        stores=False,
    ),
)
