"""A report's products are sealed as the report is: the audit-seal triggers on report_products

Revision ID: 0021_products_sealed
Revises: 0019_report_products
Create Date: 2026-12-05 00:40:00

A product row carries the legal case as much as its report (its category decides the queues),
so ``vigilance audit verify`` checks it against its seal. The rows written before this upgrade
(by 0019, and by the service between 0019 and this one) have no seal yet: run
``vigilance audit seal-existing`` once after it, as after 0012 (it records what it sealed in the
audit trail). On SQLite, a later batch migration that rebuilds report_products must create
these triggers again.
"""

from alembic import op

revision = "0021_products_sealed"
down_revision = "0019_report_products"
branch_labels = None
depends_on = None

#: vigilance.audit_seals's triggers for report_products when this migration was written
#: (audit_note_written() exists since 0012).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER report_products_audit_insert AFTER INSERT ON report_products BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('report_products', NEW.id); END",
    "CREATE TRIGGER report_products_audit_update AFTER UPDATE ON report_products BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('report_products', NEW.id); END",
    "CREATE TRIGGER report_products_audit_delete AFTER DELETE ON report_products BEGIN INSERT INTO audit_pending (table_name, row_id) VALUES ('report_products', OLD.id); END",
)
POSTGRES_TRIGGERS = (
    "CREATE TRIGGER report_products_audit_insert AFTER INSERT ON report_products REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER report_products_audit_update AFTER UPDATE ON report_products REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
    "CREATE TRIGGER report_products_audit_delete AFTER DELETE ON report_products REFERENCING OLD TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION audit_note_written()",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_TRIGGERS if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for operation in ("insert", "update", "delete"):
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS report_products_audit_{operation} ON report_products")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS report_products_audit_{operation}")
    # Their seals would otherwise be named as rows deleted: the table is no longer covered.
    op.execute("DELETE FROM audit_seals WHERE table_name = 'report_products'")
    op.execute("DELETE FROM audit_pending WHERE table_name = 'report_products'")
