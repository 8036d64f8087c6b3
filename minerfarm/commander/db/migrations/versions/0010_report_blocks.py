"""report blocks: reports past an hour, compacted per rig and hour (zstd JSON lines)

Only adds the table: existing reports stay as they are, and the compaction job packs them
(each block written and its reports deleted in one transaction), so nothing is converted here.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import minerfarm.commander.db.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    utc = minerfarm.commander.db.models.UtcDateTime(timezone=True)
    op.create_table(
        "report_blocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rig_id", sa.Integer(), nullable=False),
        sa.Column("first_ts", utc, nullable=False),
        sa.Column("last_ts", utc, nullable=False),
        sa.Column("min_seq", sa.BigInteger(), nullable=False),
        sa.Column("max_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_received", utc, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["rig_id"], ["rigs.id"],
                                name=op.f("fk_report_blocks_rig_id_rigs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_blocks")),
    )
    with op.batch_alter_table("report_blocks", schema=None) as batch_op:
        batch_op.create_index("ix_report_blocks_rig_last_ts", ["rig_id", "last_ts"])
        batch_op.create_index("ix_report_blocks_rig_max_seq", ["rig_id", "max_seq"])
        batch_op.create_index("ix_report_blocks_last_received", ["last_received"])


def downgrade() -> None:
    # Blocks hold reports that are no longer in ``reports``: unpack them before dropping.
    from minerfarm.commander.reports.blocks import unpack_all

    unpack_all(op.get_bind())
    with op.batch_alter_table("report_blocks", schema=None) as batch_op:
        batch_op.drop_index("ix_report_blocks_last_received")
        batch_op.drop_index("ix_report_blocks_rig_max_seq")
        batch_op.drop_index("ix_report_blocks_rig_last_ts")
    op.drop_table("report_blocks")
