"""Every text column a person writes into has a length, the one its input is checked against

Revision ID: 0011_text_lengths
Revises: 0012_audit_keys
Create Date: 2026-12-04 21:00:00

A report's description, a closing note, an assessment's comment, a question and its answer
were ``TEXT``: no bound in the database, and only the schemas' own numbers at the door. They
are now ``VARCHAR`` of the length the schemas read from the models (app/api/fields.py), so a
bound is written once. On SQLite, which does not enforce a declared length, the tables are
rebuilt (batch mode) only so that the declared types match the models.
"""

import warnings

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import SAWarning

revision = "0011_text_lengths"
down_revision = "0012_audit_keys"
branch_labels = None
depends_on = None

#: (table, column, nullable, length) as this migration sets them.
COLUMNS = (
    ("reports", "description", False, 10_000),
    ("queue_items", "closing_note", True, 5_000),
    ("assessments", "comment", False, 5_000),
    ("information_requests", "question", False, 5_000),
    ("information_requests", "answer", True, 5_000),
)


def upgrade() -> None:
    _too_long_for_lengths()
    for table, columns in _by_table().items():
        _alter(table, [(column, nullable, sa.Text(), sa.String(length)) for column, nullable, length in columns])


def downgrade() -> None:
    for table, columns in _by_table().items():
        _alter(table, [(column, nullable, sa.String(length), sa.Text()) for column, nullable, length in columns])


def _by_table() -> dict[str, list[tuple[str, bool, int]]]:
    tables: dict[str, list[tuple[str, bool, int]]] = {}
    for table, column, nullable, length in COLUMNS:
        tables.setdefault(table, []).append((column, nullable, length))
    return tables


def _too_long_for_lengths() -> None:
    # The doors refused longer texts already; a row written around them would make PostgreSQL
    # refuse the change midway: say which instead.
    bind = op.get_bind()
    for table, column, _nullable, length in COLUMNS:
        longest = bind.execute(sa.text(f"SELECT max(length({column})) FROM {table}")).scalar()
        if longest is not None and longest > length:
            raise RuntimeError(f"{table}.{column} holds a text of {longest} characters: at most {length} fit.")


def _alter(table: str, changes: list[tuple[str, bool, sa.types.TypeEngine, sa.types.TypeEngine]]) -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # SQLite's batch mode copies the table: the triggers on it (status counts, 0009) and the
    # indexes SQLAlchemy cannot reflect (an expression in ix_queue_items_by_urgency) would be
    # lost with the old table. They are read before and written again after, as they were.
    kept = _schema_objects(bind, table) if sqlite else {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", SAWarning)
        with op.batch_alter_table(table) as batch:
            for column, nullable, before, after in changes:
                batch.alter_column(column, type_=after, existing_type=before, existing_nullable=nullable)
    if sqlite:
        there = _schema_objects(bind, table)
        for name, sql in kept.items():
            if name not in there:
                op.execute(sql)


def _schema_objects(bind, table: str) -> dict[str, str]:
    rows = bind.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE tbl_name = :table AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL"
        ),
        {"table": table},
    )
    return dict(rows.all())
