"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL when asked)."""

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app import create_app
from tests.scenarios import file_report, paris
from tests.url_builders import compile_each_rule_once
from vigilance import accounts, passwords, triage
from vigilance.models import metadata

POSTGRES_URL = os.environ.get("VIGILANCE_TEST_DATABASE_URL")
# Hundreds of test accounts: one cheap hash round each instead of scrypt's 200-330 ms. Set in the
# environment so that the servers and workers the tests start as subprocesses use it too.
os.environ.setdefault("VIGILANCE_PASSWORD_HASH", passwords.CHEAP_METHOD)
# The audit trail's key (vigilance.audit_keys), for the app and the subprocesses alike: never
# one generated in the checkout's instance folder.
# Random-looking, as production requires (app.start_checks); the tests' own, published here.
os.environ.setdefault("VIGILANCE_AUDIT_KEY", "Wy6fy0a71VtrkPlJscQdfnhPUGcBiYHFnb5Rrs1rruKU-1lLpDrPgDxIulGtF9xc")
# Checkpoints of apps made without the fixture below (their worker writes one at its first tick).
os.environ.setdefault("VIGILANCE_AUDIT_CHECKPOINT_DIR", tempfile.mkdtemp(prefix="vigilance-audit-checkpoints-"))
# Attached files of apps made without the fixture below: never in the checkout's instance folder.
os.environ.setdefault("VIGILANCE_ATTACHMENTS_DIR", tempfile.mkdtemp(prefix="vigilance-attachments-"))
# Most of building an app is werkzeug compiling its URL builders: once per rule will do.
compile_each_rule_once()
# Each test's SQLite files on tmpfs: every commit fsyncs the WAL (``synchronous=FULL``), and on
# the disk of a shared machine that waiting was about a fifth of the time of the API modules.
# Only the medium changes: the same SQLite, the same statements, the same fsync calls.
if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", "/dev/shm")
#: The outside acceptance cases (``../shared/acceptance``) when the checkout sits beside them;
#: elsewhere (a clone on its own), the copy committed in ``tests/acceptance``.
SHARED_ACCEPTANCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "acceptance"


def postgres_admin_url():
    return make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")


@contextmanager
def fresh_database(folder, prefix: str = "vigilance_test") -> Iterator[str]:
    """The URL of a fresh, empty database: a SQLite file in *folder*, or a new PostgreSQL database
    named *prefix* and a random suffix, dropped afterwards."""
    if not POSTGRES_URL:
        yield f"sqlite:///{folder / 'vigilance.db'}"
        return
    base = postgres_admin_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database for one test: a SQLite file, or a new PostgreSQL database."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "ENV": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "SCHEDULER": "off",
            "AUDIT_CHECKPOINT_DIR": str(tmp_path / "audit-checkpoints"),
            "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    app.extensions["vigilance.db"].dispose()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory):
    """An empty SQLite database with the whole schema, made once: each test starts from a copy
    (a file copy is about 1 ms where creating the tables and triggers is about 20)."""
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def engine(app, database_url, request):
    engine = app.extensions["vigilance.db"]
    if database_url.startswith("sqlite"):
        engine.dispose()  # nothing may hold the file while it is replaced
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), make_url(database_url).database)
    else:
        metadata.create_all(engine)
    return engine


@pytest.fixture
def db(engine, database_url):
    """The test's own session, to arrange data and look at what the app stored.

    On SQLite it uses plain deferred transactions: the app's engine begins IMMEDIATE (it takes
    the write lock), and a test reading between two requests must not hold that lock.
    """
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 30})
    with Session(engine, expire_on_commit=False) as session:
        yield session
    if database_url.startswith("sqlite"):
        engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    return datetime.now(UTC)


@pytest.fixture
def establishment(db):
    establishment = accounts.create_establishment(db, finess="750000010", name="CHU de Test")
    db.commit()
    return establishment


@pytest.fixture
def make_user(db, establishment):
    """Return a callable creating a user: ``make_user("correspondent", vigilances=["haemovigilance"])``."""
    counter = iter(range(1, 10_000))

    def make(role="reporter", *, vigilances=(), place=None, email=None, password="correct horse battery", **kwargs):
        choices = {name: kwargs.pop(name) for name in accounts.SUMMARY_CHOICES if name in kwargs}
        user = accounts.create_user(
            db,
            email=email or f"{role}{next(counter)}@example.org",
            role=role,
            establishment=place if place is not None else (None if role == "admin" else establishment),
            vigilances=list(vigilances),
            password=password,
            **kwargs,
        )
        if choices:
            accounts.update_profile(db, user, **choices)
        db.commit()
        return user

    return make


@pytest.fixture
def token_for(db):
    """Return a callable giving the Authorization header of a fresh token for a user."""

    def issue(user):
        _record, token = accounts.issue_token(db, user=user)
        db.commit()
        return {"Authorization": f"Bearer {token}"}

    return issue


class _Inbox:
    """What a real SMTP server (aiosmtpd) received, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


class _SmtpServer:
    """A real SMTP server (aiosmtpd) on a fixed local port, which a test may stop and start."""

    def __init__(self):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.inbox = _Inbox()
        self.controller = None

    def start(self):
        from aiosmtpd.controller import Controller

        # A stopped controller cannot start again: a new one listens on the same port.
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    """A real SMTP server on a local port; ``.url``, ``.inbox.messages``, ``.stop()``, ``.start()``."""
    server = _SmtpServer()
    server.start()
    yield server
    server.stop()


# Staff and two weeks of reports, for the summaries, the dashboard and the activity reports ---


@pytest.fixture
def staff(make_user):
    return {
        "reporter": make_user("reporter"),
        "hv": make_user("correspondent", vigilances=["haemovigilance"], language="fr", name="Hélène Vasseur"),
        "hv_en": make_user("correspondent", vigilances=["haemovigilance"], language="en", name="Harry Vance"),
        "bio": make_user("correspondent", vigilances=["biovigilance"]),
        "device": make_user("correspondent", vigilances=["materiovigilance"]),
        "coordinator": make_user("coordinator", language="fr"),
        "coordinator_en": make_user("coordinator", language="en"),
        "opted_out": make_user("coordinator", weekly_summary=False, monthly_report=False),
    }


@pytest.fixture
def week(db, staff):
    """Reports over two weeks of November 2026 (Wednesday 11 is Armistice Day, a holiday)."""
    r = staff["reporter"]
    reports = {
        "last_week": file_report(db, r, paris(2026, 11, 12, 9, 0)),
        # Monday 16: serious, grade 2: 48 working hours, due Wednesday 18 at 09:00.
        "declared": file_report(db, r, paris(2026, 11, 16, 9, 0)),
        "late": file_report(db, r, paris(2026, 11, 16, 10, 0)),
        "graft": file_report(db, r, paris(2026, 11, 16, 11, 0), product="greffe de cornée", grade=3),
        # Tuesday 17, grade 1 and not serious: 15 working days.
        "mild": file_report(db, r, paris(2026, 11, 17, 10, 0), serious=False, grade=1),
    }
    item = reports["declared"].items[0].id
    triage.claim(db, item_id=item, actor=staff["hv"], now=paris(2026, 11, 16, 9, 30))
    triage.assess(
        db,
        item_id=item,
        actor=staff["hv"],
        now=paris(2026, 11, 16, 9, 40),
        based_on_version=0,
        data=triage.AssessmentInput(severity_grade=3, imputability="2"),
    )
    triage.request_information(
        db, item_id=item, actor=staff["hv"], question="Quelle température ?", now=paris(2026, 11, 16, 9, 45)
    )
    triage.declare(
        db,
        item_id=item,
        actor=staff["hv"],
        authority="ANSM",
        authority_reference="EFIT-1",
        declared_on=date(2026, 11, 17),
        kind="initial",
        now=paris(2026, 11, 17, 8, 0),
    )
    db.commit()
    return reports


#: Modules whose tests run real servers and workers as subprocesses (10 to 70 s each): started
#: first, so that the two xdist workers share them and end together, rather than one of them
#: running them alone at the end (tests/worker is collected last).
_LONG_FIRST = (
    "tests/worker/test_worker_processes.py",
    "tests/app/test_deployment_guide.py",
    "tests/app/test_intake_crash.py",
    "tests/app/test_audit_proof.py",
    "tests/app/test_production_start.py",
)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.nodeid.split("::")[0] not in _LONG_FIRST)  # stable: the rest keep their order


# A real Chromium, one per test process, for the browser tests of every folder ---------------

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if chromium is None or sync_playwright is None:
        reason = "browser tests need Debian's chromium and the playwright package"
        if os.environ.get("VIGILANCE_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
