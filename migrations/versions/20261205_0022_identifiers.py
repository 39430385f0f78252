"""Donation and lot numbers as search compares them, and a person's RPPS number

Revision ID: 0022_identifiers
Revises: 0021_products_sealed
Create Date: 2026-12-05 03:30:00

Each report keeps its donation and lot numbers as typed, and now also as search and duplicate
detection compare them (routing.identifiers): an ISBT 128 donation number by its thirteen
characters (without the bar code's ``=`` and flags, or the label's check character), anything
else without spaces, hyphens or brackets, in capitals; a lot number without spaces, in capitals.
Both indexed; filled here for the reports filed before. A person may give their RPPS number
(table user_rpps).

The reports filled here are written by the migration, not by the service: the audit triggers
note them, and those notes are removed with the fill. The seals of these reports do not cover
the two new columns (they are worked out from the numbers as typed, which the seals cover);
reports filed from now on are sealed with them.
"""

import sqlalchemy as sa
from alembic import op

from routing.identifiers import normalise_donation_number, normalise_lot_number

revision = "0022_identifiers"
down_revision = "0021_products_sealed"
branch_labels = None
depends_on = None

_REPORTS = sa.table(
    "reports",
    sa.column("id", sa.Integer()),
    sa.column("lot_number", sa.String()),
    sa.column("donation_number", sa.String()),
    sa.column("lot_number_normalised", sa.String()),
    sa.column("donation_number_normalised", sa.String()),
)
_PENDING = sa.table("audit_pending", sa.column("id", sa.Integer()), sa.column("table_name", sa.String()))
BATCH = 1000


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: no batch copy of reports, which would lose its
    # triggers (audit seals).
    op.add_column("reports", sa.Column("lot_number_normalised", sa.String(length=64), nullable=True))
    op.add_column("reports", sa.Column("donation_number_normalised", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_reports_lot_number_normalised"), "reports", ["lot_number_normalised"], unique=False)
    op.create_index(
        op.f("ix_reports_donation_number_normalised"), "reports", ["donation_number_normalised"], unique=False
    )
    # A table of its own: a column of users would be read by every query of an account.
    op.create_table(
        "user_rpps",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rpps", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_rpps_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_rpps")),
    )
    _normalise_existing_numbers()


def _normalise_existing_numbers() -> None:
    bind = op.get_bind()
    mark = bind.execute(sa.select(sa.func.coalesce(sa.func.max(_PENDING.c.id), 0))).scalar_one()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(_REPORTS.c.id, _REPORTS.c.lot_number, _REPORTS.c.donation_number)
            .where(
                _REPORTS.c.id > last,
                sa.or_(_REPORTS.c.lot_number.is_not(None), _REPORTS.c.donation_number.is_not(None)),
            )
            .order_by(_REPORTS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        bind.execute(
            _REPORTS.update()
            .where(_REPORTS.c.id == sa.bindparam("report_id"))
            .values(
                lot_number_normalised=sa.bindparam("lot"),
                donation_number_normalised=sa.bindparam("donation"),
            ),
            [
                {
                    "report_id": row.id,
                    "lot": normalise_lot_number(row.lot_number),
                    "donation": normalise_donation_number(row.donation_number),
                }
                for row in rows
            ],
        )
        last = rows[-1].id
    # The audit triggers noted every report filled; the migration is no tampering.
    bind.execute(_PENDING.delete().where(_PENDING.c.id > mark, _PENDING.c.table_name == "reports"))


def downgrade() -> None:
    op.drop_table("user_rpps")
    op.drop_index(op.f("ix_reports_donation_number_normalised"), table_name="reports")
    op.drop_index(op.f("ix_reports_lot_number_normalised"), table_name="reports")
    op.drop_column("reports", "donation_number_normalised")
    op.drop_column("reports", "lot_number_normalised")
