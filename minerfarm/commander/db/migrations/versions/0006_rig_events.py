"""rig events: each rig's and ASIC's event log (online/offline, miners, playbooks, alerts)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minerfarm.commander.db.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rig_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rig_id", sa.Integer(), nullable=False),
        sa.Column("asic", sa.String(length=64), nullable=True),
        sa.Column("at", minerfarm.commander.db.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=1024), nullable=False),
        sa.Column("details", minerfarm.commander.db.models.JsonDocument(), nullable=True),
        sa.ForeignKeyConstraint(["rig_id"], ["rigs.id"], name=op.f("fk_rig_events_rig_id_rigs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rig_events")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("rig_events", schema=None) as batch_op:
        batch_op.create_index("ix_rig_events_rig_at", ["rig_id", "at"], unique=False)
        batch_op.create_index("ix_rig_events_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rig_events", schema=None) as batch_op:
        batch_op.drop_index("ix_rig_events_at")
        batch_op.drop_index("ix_rig_events_rig_at")
    op.drop_table("rig_events")
