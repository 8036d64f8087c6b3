"""rig tags: labels on rigs and ASIC sentries (index filters, bulk actions, alert rules)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rig_tags",
        sa.Column("rig_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["rig_id"], ["rigs.id"], name=op.f("fk_rig_tags_rig_id_rigs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("rig_id", "tag", name=op.f("pk_rig_tags")),
    )
    with op.batch_alter_table("rig_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rig_tags_tag"), ["tag"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rig_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rig_tags_tag"))
    op.drop_table("rig_tags")
