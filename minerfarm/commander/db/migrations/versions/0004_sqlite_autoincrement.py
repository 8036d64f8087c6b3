"""SQLite: never reuse the id of a deleted rig or report (AUTOINCREMENT).

0001 created ``rigs`` and ``reports`` without AUTOINCREMENT, so SQLite could give a new rig the
id of a deleted one (its queued reports and retired token name rigs by id) and a new report
the id of a deleted one (the rollup job's watermark is a report id). SQLite sets AUTOINCREMENT
only when it creates a table: both are rebuilt, rows and ids kept. PostgreSQL sequences never
reuse ids: nothing to do there.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("rigs", "reports")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": True}):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always"):
            pass
