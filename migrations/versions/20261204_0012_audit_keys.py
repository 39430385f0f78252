"""The audit trail proves itself: keyed links, row seals, checkpoints

Revision ID: 0012_audit_keys
Revises: 0013_drafts
Create Date: 2026-12-04 21:00:00

Events already written keep their unkeyed links (scheme ``sha256``); new ones are keyed. Rows
already in the covered tables have no seal yet: run ``vigilance audit seal-existing`` once after
this upgrade (it records what it sealed in the audit trail). On SQLite, a later batch migration
that rebuilds a covered table drops its triggers with the old table: it must create them again.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import vigilance.models.types

revision = "0012_audit_keys"
down_revision = "0013_drafts"
branch_labels = None
depends_on = None

#: vigilance.audit_seals's covered tables and triggers when this migration was written.
COVERED = ("reports", "queue_items", "assessments", "declarations", "deadlines")
SQLITE_TRIGGERS = (
    "CREATE TRIGGER reports_audit_insert AFTER INSERT ON reports BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('reports', NEW.id); END",
    "CREATE TRIGGER reports_audit_update AFTER UPDATE ON reports BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('reports', NEW.id); END",
    "CREATE TRIGGER reports_audit_delete AFTER DELETE ON reports BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('reports', OLD.id); END",
    "CREATE TRIGGER queue_items_audit_insert AFTER INSERT ON queue_items BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('queue_items', NEW.id); END",
    "CREATE TRIGGER queue_items_audit_update AFTER UPDATE ON queue_items BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('queue_items', NEW.id); END",
    "CREATE TRIGGER queue_items_audit_delete AFTER DELETE ON queue_items BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('queue_items', OLD.id); END",
    "CREATE TRIGGER assessments_audit_insert AFTER INSERT ON assessments BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('assessments', NEW.id); END",
    "CREATE TRIGGER assessments_audit_update AFTER UPDATE ON assessments BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('assessments', NEW.id); END",
    "CREATE TRIGGER assessments_audit_delete AFTER DELETE ON assessments BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('assessments', OLD.id); END",
    "CREATE TRIGGER declarations_audit_insert AFTER INSERT ON declarations BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('declarations', NEW.id); END",
    "CREATE TRIGGER declarations_audit_update AFTER UPDATE ON declarations BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('declarations', NEW.id); END",
    "CREATE TRIGGER declarations_audit_delete AFTER DELETE ON declarations BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('declarations', OLD.id); END",
    "CREATE TRIGGER deadlines_audit_insert AFTER INSERT ON deadlines BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('deadlines', NEW.id); END",
    "CREATE TRIGGER deadlines_audit_update AFTER UPDATE ON deadlines BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('deadlines', NEW.id); END",
    "CREATE TRIGGER deadlines_audit_delete AFTER DELETE ON deadlines BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('deadlines', OLD.id); END",
)
POSTGRES_FUNCTION = "CREATE OR REPLACE FUNCTION audit_note_written() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit_pending (table_name, row_id, txn) SELECT TG_TABLE_NAME, id, txid_current() FROM written; RETURN NULL; END $$"
POSTGRES_TRIGGERS = (
    "CREATE TRIGGER reports_audit_insert AFTER INSERT ON reports REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER reports_audit_update AFTER UPDATE ON reports REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER reports_audit_delete AFTER DELETE ON reports REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER queue_items_audit_insert AFTER INSERT ON queue_items REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER queue_items_audit_update AFTER UPDATE ON queue_items REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER queue_items_audit_delete AFTER DELETE ON queue_items REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER assessments_audit_insert AFTER INSERT ON assessments REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER assessments_audit_update AFTER UPDATE ON assessments REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER assessments_audit_delete AFTER DELETE ON assessments REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER declarations_audit_insert AFTER INSERT ON declarations REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER declarations_audit_update AFTER UPDATE ON declarations REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER declarations_audit_delete AFTER DELETE ON declarations REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER deadlines_audit_insert AFTER INSERT ON deadlines REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER deadlines_audit_update AFTER UPDATE ON deadlines REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER deadlines_audit_delete AFTER DELETE ON deadlines REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="sha256")
        )
    op.create_table(
        "audit_seals",
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("row_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("mac", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_id", name=op.f("pk_audit_seals")),
    )
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("txn", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    op.create_index("ix_audit_pending_txn", "audit_pending", ["txn"], unique=False)
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheduled_on", sa.Date(), nullable=True),
        sa.Column("taken_at", vigilance.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("scheduled_on", name=op.f("uq_audit_checkpoints_scheduled_on")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    for table in COVERED:
        for operation in ("insert", "update", "delete"):
            if op.get_bind().dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER IF EXISTS {table}_audit_{operation} ON {table}")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_audit_{operation}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_note_written()")
    op.drop_table("audit_checkpoints")
    op.drop_index("ix_audit_pending_txn", table_name="audit_pending")
    op.drop_table("audit_pending")
    op.drop_table("audit_seals")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("scheme")
