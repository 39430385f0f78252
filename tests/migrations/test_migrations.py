"""Migrations: one head, an empty database upgrades, and the models match the migrated schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app import migrate
from app.cli import cli
from vigilance.models import metadata


def test_single_head(app):
    script = ScriptDirectory.from_config(migrate.alembic_config(app))
    assert len(script.get_heads()) == 1


# SQLite's reflection cannot read an expression index (the queue's, on NOT serious): SQLAlchemy
# says so and leaves it out of the comparison, which the PostgreSQL run of this test makes.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index ix_queue_items_by_urgency")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index 'ix_queue_items_by_urgency'")
def test_db_upgrade_is_idempotent_and_matches_the_models(app, runner):
    for _ in range(2):
        result = runner.invoke(cli, ["db", "upgrade"])
        assert result.exit_code == 0, result.output
    engine = app.extensions["vigilance.db"]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
