"""Store rejections and capacity controls: the units of picks rejected with a reason code (the
ops' rejection analytics), and each node's daily order limit and pause switch.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "pick_rejections"


def upgrade() -> None:
    with op.batch_alter_table("nodes") as batch:
        batch.add_column(sa.Column("daily_order_limit", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        TABLE,
        base._serial("id"),
        base._id("pick_id"),
        base._id("order_id"),
        base._id("node_id"),
        base._id("order_line_id"),
        base._id("sku_id"),
        base._int("qty"),
        base._status("reason"),
        sa.Column("collateral", sa.Boolean(), nullable=False),
        base._ts("created_at"),
        base._fk("pick_id", "picks.id", TABLE, ondelete="CASCADE"),
        base._fk("order_id", "orders.id", TABLE, ondelete="CASCADE"),
        base._fk("node_id", "nodes.id", TABLE),
        base._fk("sku_id", "skus.id", TABLE),
        base._pk(TABLE, "id"),
    )
    op.create_index("ix_pick_rejections_created_at", TABLE, ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_pick_rejections_created_at", table_name=TABLE)
    op.drop_table(TABLE)
    with op.batch_alter_table("nodes") as batch:
        batch.drop_column("paused_until")
        batch.drop_column("paused")
        batch.drop_column("daily_order_limit")
