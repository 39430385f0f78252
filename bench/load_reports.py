"""Bulk-load realistic reports, with their queue items and deadlines, for benchmarks and demos.

``python -m bench.load_reports --database-url URL --reports N [--establishments K]``

Creates the schema if it is missing (``metadata.create_all``), the establishments and their
accounts if missing (FINESS ``7501000NN``; reporters, two correspondents per queue and a
coordinator, all with the password ``BENCH_PASSWORD``), then inserts *N* reports received over
the last ``--days`` days, oldest first. On PostgreSQL the rows go in with ``COPY`` (psycopg 3),
one transaction per batch; on SQLite with plain ``executemany`` batches (slower, for demos).

The rows are what intake (``vigilance.intake.submit`` / ``_open_queue_items``) would have
stored for the same draft at the same moment: the rulebook decides each report (category,
queues, frozen decision, deadline policies) and each deadline is dated from the report's own
occurrence and receipt. A decision is computed once per (scenario, seriousness, grade,
rulebook) and reused, only the deadline dates being computed per report; every
``--check-every``-th report is decided again in full and compared, and the load stops on any
difference. ``reference`` is ``VIG-YYYY-NNNNNN`` from the ``reference_counters`` row of the year
of receipt (Paris time), which is bumped in the same transaction, so later real intakes continue
the sequence.

Queue items are spread over the six queues (mostly haemovigilance, pharmacovigilance and
biovigilance), about 40 % serious; about 45 % are new, 35 % in progress (claimed by a
correspondent of the queue) and 20 % closed (claimed, then closed with an outcome other than
"declared": their deadlines are waived as ``close`` does, and they sort after every open item).
As the rulebook says, a report has one deadline (none for a non-serious device incident).
``--queue Q --status new`` loads only unassigned new items of queue Q (the claim benchmark).
Each run adds reports (it never deletes); give another ``--seed`` for other ones.

The queues' counts per status (``queue_status_counts``, see ``vigilance.storage.status_counts``) are moved
in the same transaction as each batch of items.

Deliberately left out, unlike a real intake: **no audit events** are written for bulk-loaded
rows (the audit chain stays valid: it simply does not mention them), no duplicate detection is
run (``possible_duplicates`` is empty), and rows are not checked by ``check_draft``.
"""

import argparse
import json
import multiprocessing
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from werkzeug.security import generate_password_hash

from routing import Decision, EventKind, Facts, ProductFacts, Queue, decide
from routing.identifiers import finess_with_key, normalise_donation_number, normalise_lot_number
from routing.rulebook import shipped_rulebooks
from vigilance import accounts
from vigilance.decisions import freeze
from vigilance.demo import SCENARIOS as DEMO_SCENARIOS
from vigilance.i18n import by_language
from vigilance.intake import PARIS
from vigilance.models import (
    CLOSED_URGENCY,
    Deadline,
    DeadlineState,
    Establishment,
    ItemStatus,
    QueueItem,
    ReferenceCounter,
    Report,
    ReportProduct,
    ReportStatus,
    User,
    metadata,
)
from vigilance.planning import PlannedItem, plan_openings
from vigilance.report_products import NAME_JOIN, answers_of, rows_for
from vigilance.storage.engine import make_engine

BENCH_PASSWORD = "bench-vigilance-2026"
FINESS_BASE = 750100000
REPORTERS_PER_ESTABLISHMENT = 5
CORRESPONDENTS_PER_QUEUE = 2

#: Device incidents (materiovigilance), which the demo scenarios do not cover.
DEVICE_SCENARIOS = (
    (
        EventKind.INCIDENT,
        "Transfuseur",
        "Rupture de la tubulure du transfuseur pendant la pose, fuite du CGR.",
        False,
        None,
    ),
    (
        EventKind.INCIDENT,
        "Réchauffeur de sang",
        "Alarme de surchauffe du réchauffeur ; poche hémolysée, non transfusée.",
        True,
        None,
    ),
    (
        EventKind.RECIPIENT_ADVERSE_REACTION,
        "Filtre de déleucocytation",
        "Colmatage du filtre en cours de transfusion, hypotension à la reprise.",
        True,
        2,
    ),
)
#: (event kind, product, description, serious, grade); the demo's assessed type is not loaded.
#: A demo scenario of several products is one name joined by " + ", which the rulebook reads
#: back as several (as ``reports.product_name`` holds them).
SCENARIOS = (
    tuple(
        (kind, NAME_JOIN.join(product) if isinstance(product, tuple) else product, *rest)
        for kind, product, *rest in (scenario[:5] for scenario in DEMO_SCENARIOS)
    )
    + DEVICE_SCENARIOS
)

#: Share of reports by (first) queue.
QUEUE_WEIGHTS = {
    Queue.HAEMOVIGILANCE: 0.45,
    Queue.PHARMACOVIGILANCE: 0.25,
    Queue.BIOVIGILANCE: 0.18,
    Queue.MATERIOVIGILANCE: 0.05,
    Queue.QUALITY_DEFECT: 0.04,
    Queue.QUALIFICATION: 0.03,
}
STATUS_WEIGHTS = {ItemStatus.NEW: 0.45, ItemStatus.IN_PROGRESS: 0.35, ItemStatus.CLOSED: 0.20}
#: Outcomes a bulk-loaded item may be closed with ("declared" would need a declaration row).
CLOSING_OUTCOMES = ("not_reportable", "duplicate", "transferred", "information_only")

REPORT_COLUMNS = (
    "id",
    "reference",
    "year",
    "sequence",
    "event_kind",
    "occurred_at",
    "detected_at",
    "received_at",
    "product_name",
    "product_answers",
    "lot_number",
    "donation_number",
    "lot_number_normalised",
    "donation_number_normalised",
    "category",
    "queues",
    "rulebook_id",
    "decision",
    "patient_sex",
    "patient_birth_year",
    "patient_initials",
    "description",
    "serious",
    "severity_grade",
    "unexpected",
    "reporter_id",
    "reporter_unit",
    "reporter_phone",
    "establishment_id",
    "possible_duplicates",
    "status",
    "created_at",
    "updated_at",
)
ITEM_COLUMNS = (
    "id",
    "report_id",
    "queue",
    "establishment_id",
    "status",
    "assignee_id",
    "serious",
    "next_due_at",
    "urgency_at",
    "version",
    "outcome",
    "closing_note",
    "closed_at",
    "created_at",
)
DEADLINE_COLUMNS = (
    "id",
    "report_id",
    "queue_item_id",
    "queue",
    "kind",
    "rule_id",
    "description",
    "unit",
    "without_delay",
    "due_at",
    "state",
    "settled_at",
    "waiver_reason",
    "legal_basis",
)
#: A report's products (vigilance.report_products), as its decision read them (a name joined
#: by " + " is several rows); the ids are the database's own.
PRODUCT_COLUMNS = ("report_id", "position", "name", "answers", "category", "matched_by", "entry_id", "is_principal")
#: Columns given as JSON text to COPY.
JSON_COLUMNS = {
    "report_products": {"answers"},
    "reports": {"product_answers", "queues", "decision", "possible_duplicates"},
    "queue_items": set(),
    "deadlines": {"description", "legal_basis"},
}
TABLES = (
    (Report.__table__, REPORT_COLUMNS),
    (QueueItem.__table__, ITEM_COLUMNS),
    (Deadline.__table__, DEADLINE_COLUMNS),
)


def check_columns() -> None:
    """Refuse to load if the models gained or lost a column this loader does not fill."""
    for table, columns in TABLES:
        expected = {c.name for c in table.columns}
        if expected != set(columns):
            raise SystemExit(
                f"load_reports: table {table.name} changed (missing here: {sorted(expected - set(columns))}, "
                f"unknown: {sorted(set(columns) - expected)}); update bench/load_reports.py"
            )


# People ---------------------------------------------------------------------------------------------


@dataclass
class Place:
    establishment_id: int
    region: str
    reporters: list[int]
    #: Correspondents' ids by queue.
    correspondents: dict[str, list[int]]
    coordinator: int


def finess_of(number: int) -> str:
    """Establishment *number*'s FINESS: its eight first digits, then their Luhn key (checked at registration)."""
    return finess_with_key(str(FINESS_BASE // 10 + number))


def email_of(finess: str, who: str) -> str:
    """``bench-750100018-haemovigilance1@example.org``, ``bench-750100018-reporter3@example.org``."""
    return f"bench-{finess}-{who}@example.org"


def ensure_places(engine: Engine, count: int) -> list[Place]:
    """Establishments 1..count and their accounts, created if missing."""
    places = []
    password_hash = None
    with Session(engine, expire_on_commit=False) as db:
        for number in range(1, count + 1):
            finess = finess_of(number)
            establishment = db.scalars(select(Establishment).where(Establishment.finess == finess)).first()
            if establishment is None:
                establishment = accounts.create_establishment(db, finess=finess, name=f"CHU Bench {number}")
            people: dict[str, int] = {}
            wanted = [(f"reporter{i}", "reporter", ()) for i in range(1, REPORTERS_PER_ESTABLISHMENT + 1)]
            wanted += [
                (f"{q.value}{i}", "correspondent", (q.value,))
                for q in Queue
                for i in range(1, CORRESPONDENTS_PER_QUEUE + 1)
            ]
            wanted.append(("coordinator", "coordinator", ()))
            for who, role, vigilances in wanted:
                email = email_of(finess, who)
                user = db.scalars(select(User).where(User.email == email)).first()
                if user is None:
                    user = accounts.create_user(
                        db,
                        email=email,
                        role=role,
                        establishment=establishment,
                        vigilances=vigilances,
                        name=f"Bench {who}",
                    )
                    # One hash for every bench account: hashing is slow on purpose.
                    password_hash = password_hash or generate_password_hash(BENCH_PASSWORD)
                    user.password_hash = password_hash
                    db.add(user)
                    db.flush()
                people[who] = user.id
            places.append(
                Place(
                    establishment_id=establishment.id,
                    region=establishment.region,
                    reporters=[people[f"reporter{i}"] for i in range(1, REPORTERS_PER_ESTABLISHMENT + 1)],
                    correspondents={
                        q.value: [people[f"{q.value}{i}"] for i in range(1, CORRESPONDENTS_PER_QUEUE + 1)]
                        for q in Queue
                    },
                    coordinator=people["coordinator"],
                )
            )
        db.commit()
    return places


# Decisions ------------------------------------------------------------------------------------------


@dataclass
class Decided:
    """What a decision puts on a report and its items, apart from the dates."""

    rulebook_id: str
    category: str
    queues: list[str]
    frozen: dict[str, Any]
    frozen_json: str
    queues_json: str
    #: The decision itself, reused for every report of its kind: each is planned from it
    #: (vigilance.planning) with its own dates.
    decision: Decision
    #: Per policy id: the constant columns of its deadline rows, JSON ready for COPY.
    constant: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The report's product rows (without the report's id), JSON ready for COPY.
    product_rows: list[dict[str, Any]] = field(default_factory=list)


def _facts(
    kind, product: ProductFacts, serious: bool, grade, occurred: datetime, received: datetime, region: str
) -> Facts:
    return Facts(
        event_kind=kind,
        product=product,
        serious=serious,
        severity_grade=grade,
        occurred_at=occurred,
        detected_at=None,
        received_at=received,
        region=region,
    )


def _decided(decision) -> Decided:
    frozen = freeze(decision)
    decided = Decided(
        rulebook_id=decision.rulebook.id,
        category=decision.category.value,
        queues=[q.value for q in decision.queues],
        frozen=frozen,
        frozen_json=json.dumps(frozen),
        queues_json=json.dumps([q.value for q in decision.queues]),
        decision=decision,
        product_rows=[{**row, "answers_json": json.dumps(row["answers"])} for row in rows_for(0, decision)],
    )
    for deadline in decision.deadlines:
        policy = deadline.policy
        description, legal_basis = by_language(policy.describe()), list(policy.legal_basis)
        decided.constant[policy.id] = dict(
            description_json=json.dumps(description),
            legal_basis_json=json.dumps(legal_basis),
        )
    return decided


class Decider:
    """The rulebook's decision for a report, computed once per kind of report and dated per report."""

    def __init__(self, check_every: int):
        self.rulebooks = shipped_rulebooks()
        self.cache: dict[tuple, Decided] = {}
        self.products = {product: ProductFacts(name=product) for _k, product, *_ in SCENARIOS}
        self.answers = {product: answers_of(facts) for product, facts in self.products.items()}
        self.answers_json = {product: json.dumps(answers) for product, answers in self.answers.items()}
        self.check_every = check_every
        self.count = 0
        self.checked = 0

    def decide(
        self, scenario: int, serious: bool, grade, occurred: datetime, received: datetime, region: str
    ) -> tuple[Decided, tuple[PlannedItem, ...]]:
        kind, product, *_ = SCENARIOS[scenario]
        on = occurred.astimezone(PARIS).date()
        rulebook = self.rulebooks.in_force(on)
        self.count += 1
        if rulebook is None:  # decided "without a rulebook": the explanation names the date
            decision = decide(_facts(kind, self.products[product], serious, grade, occurred, received, region), on=on)
            return _decided(decision), self._plan(decision, occurred, received, region)
        key = (scenario, serious, grade, rulebook.id, region)
        decided = self.cache.get(key)
        if decided is None or (self.check_every and self.count % self.check_every == 0):
            decision = decide(_facts(kind, self.products[product], serious, grade, occurred, received, region), on=on)
            fresh = _decided(decision)
            plan = self._plan(decision, occurred, received, region)
            if decided is not None:
                self._compare(decided, fresh, plan, occurred, received, region)
                self.checked += 1
            else:
                self.cache[key] = fresh
            return fresh, plan
        return decided, self._plan(decided.decision, occurred, received, region)

    def _plan(self, decision: Decision, occurred, received, region) -> tuple[PlannedItem, ...]:
        """What intake would open for this report: the decision planned with the report's own dates."""
        anchors = {"occurred": occurred, "detected": occurred, "received": received}
        return plan_openings(decision, anchors=anchors, calendar=decision.rulebook.calendar(region))

    def _compare(self, cached: Decided, fresh: Decided, plan, occurred, received, region) -> None:
        mine = self._plan(cached.decision, occurred, received, region)
        if cached.frozen_json != fresh.frozen_json or cached.queues != fresh.queues or mine != plan:
            raise SystemExit(
                f"load_reports: a cached decision differs from the rulebook's "
                f"(received {received.isoformat()}): {mine} != {plan}"
            )


# Rows -----------------------------------------------------------------------------------------------


@dataclass
class Options:
    reports: int
    establishments: int = 1
    days: float = 365
    queue: str | None = None
    status: str | None = None
    seed: int = 2026
    batch: int = 10_000
    check_every: int = 997
    now: datetime | None = None


class Generator:
    """Reports in order of receipt, as intake would have stored them, one batch at a time."""

    def __init__(self, options: Options, places: list[Place]):
        self.options = options
        self.places = places
        self.rng = random.Random(options.seed)
        self.decider = Decider(options.check_every)
        self.now = options.now or datetime.now(UTC)
        self.start = self.now - timedelta(days=options.days)
        self.step = (self.now - self.start) / max(options.reports, 1)
        self.index = 0
        self._pick_scenarios()

    def _pick_scenarios(self) -> None:
        """Group the scenarios by the queue the rulebook sends them to; weight the queues."""
        by_queue: dict[str, list[int]] = {}
        probe = self.now - timedelta(days=1)
        for number, (kind, product, _d, serious, grade) in enumerate(SCENARIOS):
            decision = decide(
                _facts(
                    kind, ProductFacts(name=product), serious, grade, probe - timedelta(hours=2), probe, "metropole"
                ),
                on=probe.date(),
            )
            by_queue.setdefault(decision.queues[0].value, []).append(number)
        if self.options.queue:
            if self.options.queue not in by_queue:
                raise SystemExit(f"load_reports: no scenario goes to queue {self.options.queue!r}")
            self.queues = [self.options.queue]
            self.queue_weights = [1.0]
        else:
            self.queues = [q.value for q in QUEUE_WEIGHTS if q.value in by_queue]
            self.queue_weights = [QUEUE_WEIGHTS[Queue(q)] for q in self.queues]
        self.by_queue = by_queue

    def batch(self, size: int) -> list[dict[str, Any]]:
        """The next *size* reports, each a dict with its report row, item rows and deadline rows
        (ids and references still to be given)."""
        rng = self.rng
        out = []
        for _ in range(size):
            received = self.start + self.step * (self.index + rng.random())
            self.index += 1
            queue = rng.choices(self.queues, self.queue_weights)[0]
            scenario = rng.choice(self.by_queue[queue])
            kind, product, description, default_serious, grade = SCENARIOS[scenario]
            # About 40 % serious overall: mostly as the scenario says, sometimes not.
            serious = rng.random() < (0.6 if default_serious else 0.17)
            if grade is not None:
                grade = max(grade, 2) if serious else 1
            occurred = received - timedelta(hours=rng.uniform(0.5, 30))
            place = self.places[rng.randrange(len(self.places))]
            decided, plan = self.decider.decide(scenario, serious, grade, occurred, received, place.region)
            year = received.astimezone(PARIS).year
            report = dict(
                event_kind=kind.value,
                occurred_at=occurred,
                detected_at=None,
                received_at=received,
                product_name=product,
                product_answers=dict(self.decider.answers[product]),
                product_answers_json=self.decider.answers_json[product],
                lot_number=f"L{rng.randint(10000, 99999)}" if kind != EventKind.DONOR_ADVERSE_REACTION else None,
                donation_number=(
                    f"W{rng.randint(10**11, 10**12 - 1)}"
                    if kind in (EventKind.DONOR_ADVERSE_REACTION, EventKind.POST_DONATION_INFORMATION)
                    else None
                ),
                category=decided.category,
                product_rows=decided.product_rows,
                queues=decided.queues,
                queues_json=decided.queues_json,
                rulebook_id=decided.rulebook_id,
                decision=decided.frozen,
                decision_json=decided.frozen_json,
                patient_sex=rng.choice("FM"),
                patient_birth_year=rng.randint(1935, 2020),
                patient_initials="".join(rng.choice("ABCDEFGHJLMNPRST") for _ in range(2)),
                description=description,
                serious=serious,
                severity_grade=grade,
                unexpected=None,
                reporter_id=rng.choice(place.reporters),
                reporter_unit=None,
                reporter_phone=None,
                establishment_id=place.establishment_id,
                possible_duplicates=[],
                possible_duplicates_json="[]",
                status=ReportStatus.RECEIVED.value,
                created_at=received,
                updated_at=received,
                year=year,
            )
            report["lot_number_normalised"] = normalise_lot_number(report["lot_number"])
            report["donation_number_normalised"] = normalise_donation_number(report["donation_number"])
            items = []
            deadlines = []
            changed = received
            for planned in plan:
                queue_name = planned.queue
                item = dict(
                    queue=queue_name,
                    establishment_id=place.establishment_id,
                    status=ItemStatus.NEW.value,
                    assignee_id=None,
                    serious=serious,
                    next_due_at=planned.next_due_at,
                    urgency_at=planned.urgency_at,
                    version=1,
                    outcome=None,
                    closing_note=None,
                    closed_at=None,
                    created_at=received,
                )
                status = (
                    ItemStatus(self.options.status)
                    if self.options.status
                    else rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
                )
                settled = None
                if status != ItemStatus.NEW:
                    # Claimed by a correspondent of the queue (claim: +1 version, new -> in progress).
                    claimed = min(received + timedelta(minutes=rng.uniform(10, 3 * 24 * 60)), self.now)
                    item.update(
                        status=ItemStatus.IN_PROGRESS.value,
                        version=2,
                        assignee_id=rng.choice(place.correspondents[queue_name]),
                    )
                    changed = max(changed, claimed)
                    if status == ItemStatus.CLOSED:
                        closed = min(claimed + timedelta(hours=rng.uniform(1, 15 * 24)), self.now)
                        outcome = rng.choice(CLOSING_OUTCOMES)
                        # close: open deadlines waived, sorted after every open item, +1 version.
                        item.update(
                            status=ItemStatus.CLOSED.value,
                            version=3,
                            outcome=outcome,
                            closed_at=closed,
                            next_due_at=None,
                            urgency_at=CLOSED_URGENCY,
                        )
                        settled = (closed, f"closed: {outcome}")
                        changed = max(changed, closed)
                items.append(item)
                for deadline in planned.deadlines:
                    deadlines.append(
                        dict(
                            deadline.columns(),
                            due_at=deadline.due_at.astimezone(UTC) if deadline.due_at is not None else None,
                            state=DeadlineState.WAIVED.value if settled else DeadlineState.OPEN.value,
                            settled_at=settled[0] if settled else None,
                            waiver_reason=settled[1] if settled else None,
                            **decided.constant[deadline.rule_id],
                        )
                    )
                if item["next_due_at"] is not None:
                    item["next_due_at"] = item["next_due_at"].astimezone(UTC)
                    item["urgency_at"] = item["next_due_at"]
            statuses = [i["status"] for i in items]
            if statuses and all(s == ItemStatus.CLOSED for s in statuses):
                report["status"] = ReportStatus.CLOSED.value
            elif any(s != ItemStatus.NEW for s in statuses):
                report["status"] = ReportStatus.IN_PROGRESS.value
            report["updated_at"] = changed
            out.append({"report": report, "items": items, "deadlines": deadlines})
        return out


# Writing --------------------------------------------------------------------------------------------


_COUNTERS = ReferenceCounter.__table__


def reserve_references(connection, year: int, count: int) -> int:
    """Take *count* numbers of *year* from its counter (row-locked until commit); return the first."""
    bump = (
        _COUNTERS.update()
        .where(_COUNTERS.c.year == year)
        .values(last=_COUNTERS.c.last + count)
        .returning(_COUNTERS.c.last)
    )
    last = connection.execute(bump).scalar_one_or_none()
    if last is None:
        try:
            with connection.begin_nested():
                connection.execute(_COUNTERS.insert(), {"year": year, "last": 0})
        except IntegrityError:
            pass  # a real intake opened the year meanwhile
        last = connection.execute(bump).scalar_one()
    return last - count + 1


def reserve_ids(connection, table: str, count: int, postgres: bool) -> list[int]:
    if count == 0:
        return []
    if postgres:
        return connection.execute(
            text("SELECT array_agg(nextval(pg_get_serial_sequence(:table, 'id'))) FROM generate_series(1, :n)"),
            {"table": table, "n": count},
        ).scalar_one()
    # SQLite: the transaction began IMMEDIATE (app.db.make_engine): nobody else writes meanwhile.
    first = (connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()) + 1
    return list(range(first, first + count))


def number_rows(connection, batch: list[dict], postgres: bool) -> tuple[list[dict], list[dict], list[dict]]:
    """Give ids, references and foreign keys to one batch; bump the reference counters."""
    reports = [r["report"] for r in batch]
    per_year = Counter(r["year"] for r in reports)
    next_sequence = {year: reserve_references(connection, year, count) for year, count in sorted(per_year.items())}
    report_ids = iter(reserve_ids(connection, "reports", len(reports), postgres))
    items = [i for r in batch for i in r["items"]]
    item_ids = iter(reserve_ids(connection, "queue_items", len(items), postgres))
    deadlines = [d for r in batch for d in r["deadlines"]]
    deadline_ids = iter(reserve_ids(connection, "deadlines", len(deadlines), postgres))
    for entry in batch:
        report = entry["report"]
        report["id"] = next(report_ids)
        report["sequence"] = next_sequence[report["year"]]
        next_sequence[report["year"]] += 1
        report["reference"] = f"VIG-{report['year']}-{report['sequence']:06d}"
        item_of_queue = {}
        for item in entry["items"]:
            item["id"] = next(item_ids)
            item["report_id"] = report["id"]
            item_of_queue[item["queue"]] = item["id"]
        for deadline in entry["deadlines"]:
            deadline["id"] = next(deadline_ids)
            deadline["report_id"] = report["id"]
            deadline["queue_item_id"] = item_of_queue[deadline["queue"]]
    return reports, items, deadlines


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows: list[dict]) -> None:
    """COPY *rows* into *table*; JSON columns go as the JSON text kept next to them (``<column>_json``),
    which is what SQLAlchemy's JSON type would have sent (``json.dumps``)."""
    json_columns = JSON_COLUMNS[table]
    row_of = itemgetter(*[f"{c}_json" if c in json_columns else c for c in columns])
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row_of(row))


def write_batch(engine: Engine, batch: list[dict], postgres: bool) -> None:
    with engine.connect() as connection:
        if postgres:
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
        reports, items, deadlines = number_rows(connection, batch, postgres)
        products = [{**row, "report_id": r["id"]} for r in reports for row in r["product_rows"]]
        if postgres:
            cursor = connection.connection.driver_connection.cursor()
            copy_rows(cursor, "reports", REPORT_COLUMNS, reports)
            copy_rows(cursor, "queue_items", ITEM_COLUMNS, items)
            copy_rows(cursor, "deadlines", DEADLINE_COLUMNS, deadlines)
            copy_rows(cursor, "report_products", PRODUCT_COLUMNS, products)
            cursor.close()
        else:
            for table, columns in TABLES:
                rows = {"reports": reports, "queue_items": items, "deadlines": deadlines}[table.name]
                if rows:
                    connection.execute(table.insert(), [{c: r[c] for c in columns} for r in rows])
            if products:
                connection.execute(
                    ReportProduct.__table__.insert(), [{c: p[c] for c in PRODUCT_COLUMNS} for p in products]
                )
        # The queues' counts per status move by trigger (vigilance.storage.status_counts).
        connection.commit()


class Progress:
    """A carriage-return progress line on stderr."""

    def __init__(self, total: int, label: str = "reports"):
        self.total = total
        self.label = label
        self.started = time.perf_counter()
        self.last_shown = 0.0

    def show(self, done: int, final: bool = False) -> None:
        now = time.perf_counter()
        if not final and now - self.last_shown < 0.2:
            return
        self.last_shown = now
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(
            f"\r[{bar}] {done:>10,}/{self.total:,} {self.label} {100 * done / max(self.total, 1):5.1f}% "
            f"{rate:>8,.0f}/s  elapsed {elapsed:5.0f}s  left {left:5.0f}s "
        )
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _produce(options: Options, places: list[Place], out) -> None:
    """The generating process: batches of rows into *out*, then the number of decisions re-checked."""
    try:
        generator = Generator(options, places)
        made = 0
        while made < options.reports:
            batch = generator.batch(min(options.batch, options.reports - made))
            made += len(batch)
            out.put(("batch", batch))
        out.put(("done", generator.decider.checked))
    except BaseException as error:
        out.put(("error", f"{type(error).__name__}: {error}"))


def batches(options: Options, places: list[Place], parallel: bool, stats: dict):
    """The batches to write, made in a second process when *parallel* (the writer then only
    waits for the database while the next batch is being made); at the end, the number of
    decisions re-checked in full goes into ``stats["checked"]``."""
    if not parallel:
        generator = Generator(options, places)
        made = 0
        while made < options.reports:
            batch = generator.batch(min(options.batch, options.reports - made))
            made += len(batch)
            yield batch
        stats["checked"] = generator.decider.checked
        return
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=3)
    process = context.Process(target=_produce, args=(options, places, queue), daemon=True)
    process.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "batch":
                yield value
            elif kind == "done":
                stats["checked"] = value
                return
            else:
                raise SystemExit(f"load_reports: generating reports failed: {value}")
    finally:
        if process.is_alive():
            process.terminate()
        process.join()


def load(database_url: str, options: Options, progress: bool = True, parallel: bool = True) -> dict[str, Any]:
    """Load *options.reports* reports into *database_url*; return what was done."""
    check_columns()
    if database_url.startswith(("postgresql://", "postgres://")):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    postgres = database_url.startswith("postgresql")
    engine = make_engine(database_url)
    try:
        metadata.create_all(engine)
        places = ensure_places(engine, options.establishments)
    finally:
        # No connection may cross the fork of the generating process.
        engine.dispose()
    engine = make_engine(database_url)
    try:
        bar = Progress(options.reports) if progress else None
        stats: dict[str, int] = {}
        done = 0
        statuses: Counter = Counter()
        queues: Counter = Counter()
        serious = 0
        deadlines = 0
        started = time.perf_counter()
        for batch in batches(options, places, parallel and options.reports > options.batch, stats):
            for entry in batch:
                serious += entry["report"]["serious"]
                deadlines += len(entry["deadlines"])
                for item in entry["items"]:
                    statuses[item["status"]] += 1
                    queues[item["queue"]] += 1
            write_batch(engine, batch, postgres)
            done += len(batch)
            if bar:
                bar.show(done)
        if bar:
            bar.show(done, final=True)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return {
        "reports": done,
        "seconds": seconds,
        "per_second": done / seconds if seconds else 0.0,
        "items_by_queue": dict(queues),
        "items_by_status": dict(statuses),
        "serious": serious,
        "deadlines": deadlines,
        "establishments": [p.establishment_id for p in places],
        "decisions_checked": stats.get("checked", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql://... or sqlite:///path")
    parser.add_argument("--reports", type=int, required=True)
    parser.add_argument("--establishments", type=int, default=1)
    parser.add_argument("--days", type=float, default=365, help="receipts spread over this many past days")
    parser.add_argument("--queue", choices=[q.value for q in Queue], help="only reports routed to this queue")
    parser.add_argument("--status", choices=[ItemStatus.NEW.value], help="every item new and unassigned")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument(
        "--check-every", type=int, default=997, help="decide every n-th report again in full and compare (0: never)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    args = parser.parse_args()
    if args.reports < 0 or args.establishments < 1:
        parser.error("--reports >= 0 and --establishments >= 1")
    result = load(
        args.database_url,
        Options(
            reports=args.reports,
            establishments=args.establishments,
            days=args.days,
            queue=args.queue,
            status=args.status,
            seed=args.seed,
            batch=args.batch,
            check_every=args.check_every,
        ),
        progress=not args.quiet,
    )
    items = sum(result["items_by_queue"].values())
    print(
        f"loaded {result['reports']:,} reports in {result['seconds']:.1f} s ({result['per_second']:,.0f}/s): "
        f"{items:,} queue items, {result['deadlines']:,} deadlines, "
        f"{100 * result['serious'] / max(result['reports'], 1):.0f} % serious"
    )
    print(
        "  by queue:  "
        + ", ".join(f"{q} {n:,}" for q, n in sorted(result["items_by_queue"].items(), key=lambda x: -x[1]))
    )
    print(
        "  by status: "
        + ", ".join(f"{s} {n:,}" for s, n in sorted(result["items_by_status"].items(), key=lambda x: -x[1]))
    )
    print(
        f"  establishments {result['establishments']} (accounts bench-<FINESS>-<who>@example.org, "
        f"password {BENCH_PASSWORD}); {result['decisions_checked']} cached decisions re-checked in full; "
        f"no audit events written for these rows"
    )


if __name__ == "__main__":
    main()
