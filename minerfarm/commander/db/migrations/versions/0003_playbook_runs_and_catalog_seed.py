"""playbook run per playbook; mining software catalog seed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 04:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("playbook_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("playbook_id", sa.Integer(), nullable=True))
    _seed_catalog()


def _seed_catalog() -> None:
    """The starting catalog, once: entries already there (same name and version) are kept."""
    from minerfarm.commander.catalog_seed import SEED

    software = sa.table(
        "mining_software",
        sa.column("name", sa.String), sa.column("version", sa.String),
        sa.column("download_url", sa.String), sa.column("sha256", sa.String),
        sa.column("executable_template", sa.Text), sa.column("api_kind", sa.String),
        sa.column("api_port", sa.Integer),
    )
    connection = op.get_bind()
    present = {(row[0], row[1]) for row in connection.execute(
        sa.select(software.c.name, software.c.version))}
    rows = [row for row in SEED if (row["name"], row["version"]) not in present]
    if rows:
        op.bulk_insert(software, rows)


def downgrade() -> None:
    with op.batch_alter_table("playbook_runs", schema=None) as batch_op:
        batch_op.drop_column("playbook_id")
