"""The world the access probes run in, seeded once per module: two establishments, every role in
three casts (live, disabled, signed out), a case per cast, and each person's credentials."""

import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session, select

from app.attachment_doors import store_of
from routing import EventKind, ProductFacts
from tests.access.routes import (
    A_PDF,
    ADMIN,
    ANONYMOUS,
    COORDINATOR,
    CORRESPONDENT,
    OTHER_COORDINATOR,
    OTHER_ESTABLISHMENT,
    OTHER_REPORTER,
    OTHER_VIGILANCE,
    REPORTER,
    Call,
    Case,
    Route,
)
from tests.page_session import PASSWORD, csrf_from
from vigilance import accounts, attachments, documents, drafts, intake, outbox, triage
from vigilance.clock import utcnow
from vigilance.models import OutboxMessage, SignInRequest, User, metadata
from vigilance.storage.transaction import write_transaction

PARIS = ZoneInfo("Europe/Paris")

_SCOPES = {
    REPORTER: ("reporter", "main", ()),
    OTHER_REPORTER: ("reporter", "main", ()),
    CORRESPONDENT: ("correspondent", "main", ("haemovigilance",)),
    # Every other vigilance, the newest queues too: none of them opens a haemovigilance case.
    OTHER_VIGILANCE: ("correspondent", "main", ("biovigilance", "amp_vigilance", "reactovigilance")),
    OTHER_ESTABLISHMENT: ("correspondent", "other", ("haemovigilance",)),
    COORDINATOR: ("coordinator", "main", ()),
    OTHER_COORDINATOR: ("coordinator", "other", ()),
    ADMIN: ("admin", None, ()),
}


@dataclass
class Credentials:
    """What a client sends: a bearer token for the API, a session cookie and its CSRF token for pages."""

    token: str | None = None
    cookie: str | None = None
    csrf: str | None = None


@dataclass
class Cast:
    """One person per role, their credentials, and the case their reporter filed."""

    name: str
    users: dict[str, User | None]
    credentials: dict[str, Credentials] = field(default_factory=dict)
    case: Case | None = None


class World:
    def __init__(self, app, db: Session):
        self.app = app
        self.db = db
        now = utcnow()
        with write_transaction(db):
            self.places = {
                "main": accounts.create_establishment(db, finess="750000010", name="CHU de Test"),
                "other": accounts.create_establishment(db, finess="690000005", name="CH Ailleurs"),
            }
            self.colleague = self._user("colleague", "correspondent", "main", ("haemovigilance",))
            self.account = self._user("account", "reporter", "main", ())
            self._user("visitor", "reporter", "main", (), email="visitor@example.org")
            # An email to the reporter waiting in the outbox, for the administrator's pages.
            outbox.enqueue(
                db,
                key="access-probe",
                recipient=self.account,
                email=outbox.Email(subject="Question", text="Une question vous attend.", html="<p>Question</p>"),
                now=now,
            )
            self.casts = {
                name: Cast(name, {role: self._user(f"{name}-{role}", *_SCOPES[role]) for role in _SCOPES})
                for name in ("live", "disabled", "signed_out")
            }
        for cast in self.casts.values():
            cast.users[ANONYMOUS] = None
            cast.case = self.new_case(cast, prepared="asked", other=self._file(cast.users[REPORTER]).report.id)
        for cast in self.casts.values():
            cast.credentials = {role: self._credentials(user) for role, user in cast.users.items()}
        # A second token of each live person, revoked.
        self.revoked: dict[str, Credentials] = {}
        with write_transaction(db):
            for role, user in self.casts["live"].users.items():
                if user is not None:
                    record, token = accounts.issue_token(db, user=user)
                    accounts.revoke_token(db, token_id=record.id, now=now)
                    self.revoked[role] = Credentials(token=token)
        with write_transaction(db):
            for user in self.casts["disabled"].users.values():
                if user is not None:
                    accounts.set_active(db, db.get(User, user.id), False)
        for role, credentials in self.casts["signed_out"].credentials.items():
            if role != ANONYMOUS:
                # The cookie was copied before signing out; the browser then signs out.
                client = self._client(credentials)
                assert client.post("/logout", data={"csrf_token": credentials.csrf}).status_code == 302
        db.rollback()

    # Seeding -------------------------------------------------------------------------------

    def _user(self, label, role, place, vigilances, email=None) -> User:
        return accounts.create_user(
            self.db,
            email=email or f"{label}@example.org",
            role=role,
            establishment=self.places[place] if place else None,
            vigilances=list(vigilances),
            password=PASSWORD,
        )

    def _file(self, reporter: User):
        now = utcnow()
        with write_transaction(self.db) as db:
            return intake.submit(
                db,
                actor=reporter,
                now=now,
                draft=intake.Draft(
                    event_kind=EventKind.RECIPIENT_ADVERSE_REACTION,
                    occurred_at=now - timedelta(hours=2),
                    product=ProductFacts(name="CGR phénotypé"),
                    description="Frissons et hyperthermie à 39,5 °C.",
                    serious=True,
                    severity_grade=2,
                ),
            )

    def new_case(self, cast: Cast | None = None, prepared: str = "", other: int | None = None) -> Case:
        """A case filed by *cast*'s reporter (the live cast's by default), with a draft of theirs,
        prepared as a line needs: "asked" (a question to the reporter), "claimed" or "closed" (by
        the correspondent)."""
        cast = cast or self.casts["live"]
        reporter, correspondent = cast.users[REPORTER], cast.users[CORRESPONDENT]
        filed = self._file(reporter)
        item = filed.items[0]
        deadline = next(d for d in filed.deadlines if d.queue_item_id == item.id)
        shared = self.casts["live"].case
        question_id = shared.question_id if shared else 0
        now = utcnow()
        with write_transaction(self.db) as db:
            if prepared == "asked":
                asked = triage.request_information(
                    db, item_id=item.id, actor=correspondent, question="Quel volume ?", now=now
                )
                question_id = asked.id
            elif prepared == "claimed":
                triage.claim(db, item_id=item.id, actor=correspondent, now=now)
            elif prepared == "closed":
                triage.close(db, item_id=item.id, actor=correspondent, outcome="not_reportable", note="", now=now)
            # A follow-up the reporter started and did not file: its text names the case, so that
            # an answer showing the draft shows the case's reference.
            draft = drafts.save(
                db,
                owner=reporter,
                form_token=uuid.uuid4().hex,
                fields={
                    "product_name": "CGR phénotypé",
                    "description": f"Suite de {filed.report.reference} : frissons.",
                },
                now=now,
            )
            # A document generated for the item (a case sheet naming the case), to download.
            document, _new = documents.store(
                db,
                report_id=filed.report.id,
                queue_item_id=item.id,
                kind=documents.CASE_SHEET_PDF,
                media_type="application/pdf",
                content=f"%PDF-1.7 Fiche du cas {filed.report.reference}".encode(),
                actor=correspondent,
                now=now,
            )
        # A file the reporter attached to the report (its name names the case, as the draft does).
        attached = attachments.attach(
            self.db,
            store_of(self.app),
            upload=attachments.Upload(io.BytesIO(A_PDF), f"{filed.report.reference}.pdf"),
            actor=reporter,
            now=now,
            max_bytes=attachments.DEFAULT_MAX_BYTES,
            report_id=filed.report.id,
        )
        message_id = self.db.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id).limit(1))
        # A first sign-in waiting for an administrator (single sign-on).
        with write_transaction(self.db) as db:
            waiting = SignInRequest(
                issuer="https://idp.example.org",
                subject=uuid.uuid4().hex,
                email=f"sso-{uuid.uuid4().hex[:12]}@example.org",
                created_at=now,
                last_attempt_at=now,
            )
            db.add(waiting)
            db.flush()
            sign_in_request_id = waiting.id
        self.db.rollback()
        received = filed.report.received_at.astimezone(PARIS)
        return Case(
            report_id=filed.report.id,
            reference=filed.report.reference,
            item_id=item.id,
            question_id=question_id,
            deadline_id=deadline.id,
            other_report_id=other if other is not None else shared.other_report_id,
            colleague_id=self.colleague.id,
            account_id=self.account.id,
            message_id=message_id or 0,
            draft_id=draft.id,
            attachment_id=attached.id,
            year=received.year,
            month=received.month,
            establishment_id=filed.report.establishment_id,
            document_id=document.id,
            sign_in_request_id=sign_in_request_id,
        )

    def _client(self, credentials: Credentials | None = None):
        client = self.app.test_client()
        if credentials is not None and credentials.cookie:
            client.set_cookie("session", credentials.cookie)
        return client

    def _credentials(self, user: User | None) -> Credentials:
        client = self._client()
        login = client.get("/login").get_data(as_text=True)
        if user is None:
            return Credentials(cookie=client.get_cookie("session").value, csrf=csrf_from(login))
        signed_in = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(login)}
        )
        assert signed_in.status_code == 302, user.email
        csrf = csrf_from(client.get("/profile").get_data(as_text=True))
        with write_transaction(self.db) as db:
            _record, token = accounts.issue_token(db, user=user)
        return Credentials(token=token, cookie=client.get_cookie("session").value, csrf=csrf)

    def session_of_its_own(self, cast: "Cast", role: str) -> Credentials:
        """*role*'s person signed in on another browser, for a line that ends the session it is sent
        with (signing in again, signing out): the cast's own session must outlive the probe."""
        user = cast.users[role]
        if user is None:
            return cast.credentials[role]
        client = self._client()
        login = client.get("/login").get_data(as_text=True)
        signed_in = client.post(
            "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(login)}
        )
        assert signed_in.status_code == 302, user.email
        csrf = csrf_from(client.get("/profile").get_data(as_text=True))
        return Credentials(token=cast.credentials[role].token, cookie=client.get_cookie("session").value, csrf=csrf)

    # Probing -------------------------------------------------------------------------------

    def send(self, route: Route, case: Case, credentials: Credentials):
        """The line's request about *case*, with these credentials (and nothing else)."""
        call: Call = route.call(case)
        client = self._client(None if route.api else credentials)
        headers = {"Authorization": f"Bearer {credentials.token}"} if route.api and credentials.token else {}
        values = {**vars(case), "new_email": f"new-{uuid.uuid4().hex[:12]}@example.org"}
        form = None
        if call.form is not None:
            form = {key: str(value).format(**values) for key, value in call.form.items()}
            if "form_token" in form:
                form["form_token"] = uuid.uuid4().hex
            form["csrf_token"] = credentials.csrf or ""
        json = call.json
        if isinstance(json, dict):
            json = {
                key: int(value.format(**values)) if isinstance(value, str) and value.startswith("{") else value
                for key, value in json.items()
            }
        if call.files is not None:
            form = {
                **(form or {}),
                **{name: (io.BytesIO(content), file_name) for name, (file_name, content) in call.files.items()},
            }
        response = client.open(call.path, method=route.method, json=json, data=form, headers=headers)
        response.get_data()
        response.close()  # a file served from static/ is closed at once
        return response

    def row_counts(self) -> dict[str, int]:
        """Every table's number of rows, in one statement."""
        self.db.rollback()  # a fresh snapshot
        tables = sorted(metadata.tables)
        counts = self.db.execute(
            text("SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables))
        ).one()
        self.db.rollback()
        return dict(zip(tables, counts, strict=True))
