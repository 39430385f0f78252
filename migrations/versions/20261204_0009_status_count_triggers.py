"""Status counts kept by triggers on queue_items, whoever writes (no listener, no explicit calls)

Revision ID: 0009_status_count_triggers
Revises: 0008_imputability_length
Create Date: 2026-12-04 18:00:00

On SQLite, a later batch migration that rebuilds ``queue_items`` (copy, drop, rename) drops
these triggers with the old table: it must create them again (tests/migrations checks they are
there after every upgrade).
"""

from alembic import op

revision = "0009_status_count_triggers"
down_revision = "0008_imputability_length"
branch_labels = None
depends_on = None

#: vigilance.storage.status_counts's triggers when this migration was written (COUNT_SLOTS 16).
SQLITE_TRIGGERS = (
    (
        "CREATE TRIGGER queue_items_count_insert AFTER INSERT ON queue_items BEGIN INSERT INTO "
        "queue_status_counts (queue, establishment_id, status, slot, count) VALUES (NEW.queue, "
        "NEW.establishment_id, NEW.status, NEW.id % 16, 1) ON CONFLICT (queue, establishment_id, status, "
        "slot) DO UPDATE SET count = queue_status_counts.count + excluded.count; END"
    ),
    (
        "CREATE TRIGGER queue_items_count_update AFTER UPDATE OF status ON queue_items WHEN OLD.status "
        "IS NOT NEW.status BEGIN INSERT INTO queue_status_counts (queue, establishment_id, status, slot, "
        "count) VALUES (OLD.queue, OLD.establishment_id, OLD.status, OLD.id % 16, -1) ON CONFLICT "
        "(queue, establishment_id, status, slot) DO UPDATE SET count = queue_status_counts.count + "
        "excluded.count; INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) "
        "VALUES (NEW.queue, NEW.establishment_id, NEW.status, NEW.id % 16, 1) ON CONFLICT (queue, "
        "establishment_id, status, slot) DO UPDATE SET count = queue_status_counts.count + "
        "excluded.count; END"
    ),
    (
        "CREATE TRIGGER queue_items_count_delete AFTER DELETE ON queue_items BEGIN INSERT INTO "
        "queue_status_counts (queue, establishment_id, status, slot, count) VALUES (OLD.queue, "
        "OLD.establishment_id, OLD.status, OLD.id % 16, -1) ON CONFLICT (queue, establishment_id, "
        "status, slot) DO UPDATE SET count = queue_status_counts.count + excluded.count; END"
    ),
)
POSTGRES_TRIGGERS = (
    (
        "CREATE OR REPLACE FUNCTION queue_items_count_insert() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) SELECT "
        "queue, establishment_id, status, slot, sum(delta) FROM (SELECT queue, establishment_id, status, "
        "id % 16 AS slot, 1 AS delta FROM added) AS moves GROUP BY queue, establishment_id, status, slot "
        "HAVING sum(delta) <> 0 ORDER BY queue, establishment_id, status, slot ON CONFLICT (queue, "
        "establishment_id, status, slot) DO UPDATE SET count = queue_status_counts.count + "
        "excluded.count; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER queue_items_count_insert AFTER INSERT ON queue_items REFERENCING NEW TABLE AS "
        "added FOR EACH STATEMENT EXECUTE FUNCTION queue_items_count_insert()"
    ),
    (
        "CREATE OR REPLACE FUNCTION queue_items_count_update() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) SELECT "
        "queue, establishment_id, status, slot, sum(delta) FROM (SELECT queue, establishment_id, status, "
        "id % 16 AS slot, -1 AS delta FROM was UNION ALL SELECT queue, establishment_id, status, id % 16 "
        "AS slot, 1 AS delta FROM became) AS moves GROUP BY queue, establishment_id, status, slot HAVING "
        "sum(delta) <> 0 ORDER BY queue, establishment_id, status, slot ON CONFLICT (queue, "
        "establishment_id, status, slot) DO UPDATE SET count = queue_status_counts.count + "
        "excluded.count; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER queue_items_count_update AFTER UPDATE ON queue_items REFERENCING OLD TABLE AS "
        "was NEW TABLE AS became FOR EACH STATEMENT EXECUTE FUNCTION queue_items_count_update()"
    ),
    (
        "CREATE OR REPLACE FUNCTION queue_items_count_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) SELECT "
        "queue, establishment_id, status, slot, sum(delta) FROM (SELECT queue, establishment_id, status, "
        "id % 16 AS slot, -1 AS delta FROM removed) AS moves GROUP BY queue, establishment_id, status, "
        "slot HAVING sum(delta) <> 0 ORDER BY queue, establishment_id, status, slot ON CONFLICT (queue, "
        "establishment_id, status, slot) DO UPDATE SET count = queue_status_counts.count + "
        "excluded.count; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER queue_items_count_delete AFTER DELETE ON queue_items REFERENCING OLD TABLE AS "
        "removed FOR EACH STATEMENT EXECUTE FUNCTION queue_items_count_delete()"
    ),
)
#: Counted afresh once: a status change whose explicit call was forgotten left wrong counts.
RECOUNT = (
    "DELETE FROM queue_status_counts",
    (
        "INSERT INTO queue_status_counts (queue, establishment_id, status, slot, count) "
        "SELECT queue, establishment_id, status, id % 16, count(*) FROM queue_items "
        "GROUP BY queue, establishment_id, status, id % 16"
    ),
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in (*(SQLITE_TRIGGERS if sqlite else POSTGRES_TRIGGERS), *RECOUNT):
        op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for operation in ("insert", "update", "delete"):
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS queue_items_count_{operation}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS queue_items_count_{operation} ON queue_items")
            op.execute(f"DROP FUNCTION IF EXISTS queue_items_count_{operation}()")
