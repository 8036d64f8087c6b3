"""rig actions: remote actions on CPU/GPU rigs (their audit log) and the kinds each sentry runs

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minerfarm.commander.db.models

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = minerfarm.commander.db.models.UtcDateTime(timezone=True)
    op.create_table(
        "rig_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rig_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("miner", sa.String(length=128), nullable=True),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("requested_at", utc, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("delivered_at", utc, nullable=True),
        sa.Column("acked_at", utc, nullable=True),
        sa.ForeignKeyConstraint(["rig_id"], ["rigs.id"],
                                name=op.f("fk_rig_actions_rig_id_rigs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rig_actions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("rig_actions", schema=None) as batch_op:
        batch_op.create_index("ix_rig_actions_rig_requested", ["rig_id", "requested_at"],
                              unique=False)
    op.create_table(
        "rig_action_kinds",
        sa.Column("rig_id", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.String(length=128), nullable=False),
        sa.Column("reported_at", utc, nullable=False),
        sa.ForeignKeyConstraint(["rig_id"], ["rigs.id"],
                                name=op.f("fk_rig_action_kinds_rig_id_rigs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rig_id", name=op.f("pk_rig_action_kinds")),
    )


def downgrade() -> None:
    op.drop_table("rig_action_kinds")
    with op.batch_alter_table("rig_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_rig_actions_rig_requested")
    op.drop_table("rig_actions")
