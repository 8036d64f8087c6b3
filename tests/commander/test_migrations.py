"""Migrations: one head, and applying them gives exactly the schema the models declare."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from minerfarm.commander.db.migrate import alembic_config, upgrade
from minerfarm.commander.db.models import Base


def test_single_head(tmp_path: Path) -> None:
    script = ScriptDirectory.from_config(alembic_config(f"sqlite+aiosqlite:///{tmp_path}/x.db"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_migrations_match_the_models(tmp_path: Path) -> None:
    upgrade(f"sqlite+aiosqlite:///{tmp_path}/m.db")
    engine = create_engine(f"sqlite:///{tmp_path}/m.db")
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
