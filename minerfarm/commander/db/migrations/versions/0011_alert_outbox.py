"""alert outbox: notifications not delivered yet survive a restart or a change of leader

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minerfarm.commander.db.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", minerfarm.commander.db.models.UtcDateTime(timezone=True),
                  nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["alert_channels.id"],
                                name=op.f("fk_alert_outbox_channel_id_alert_channels"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_outbox")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("alert_outbox")
