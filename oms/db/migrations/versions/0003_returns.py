"""Returns: RMAs and their lines; refunds name their return; orders keep their discount and
shipping charges (refunds pro-rate them).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts_null(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _money(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "returns",
        base._id("id"),
        base._id("order_id"),
        base._status("status"),
        base._status("method"),
        sa.Column("reason", sa.String(length=64), nullable=False),
        base._id("destination"),
        base._status("purchase_channel"),
        sa.Column("cross_channel", sa.Boolean(), nullable=False),
        base._json("exchange", nullable=True),
        base._id("exchange_order_id", nullable=True),
        base._ts("created_at"),
        _ts_null("received_at"),
        _ts_null("refunded_at"),
        _ts_null("restocked_at"),
        base._fk("order_id", "orders.id", "returns", ondelete="CASCADE"),
        base._fk("destination", "nodes.id", "returns"),
        base._pk("returns", "id"),
    )
    op.create_index("ix_returns_order_id", "returns", ["order_id"])
    op.create_table(
        "return_lines",
        base._id("return_id"),
        base._id("order_line_id"),
        base._id("sku_id"),
        base._int("qty"),
        sa.Column("condition", sa.String(length=32), nullable=True),
        sa.Column("disposition", sa.String(length=32), nullable=True),
        base._id("target_node", nullable=True),
        sa.Column("refund_minor", sa.BigInteger(), nullable=True),
        base._ck("return_lines", "qty_positive", "qty > 0"),
        base._fk("return_id", "returns.id", "return_lines", ondelete="CASCADE"),
        base._fk("order_line_id", "order_lines.id", "return_lines"),
        base._fk("sku_id", "skus.id", "return_lines"),
        base._fk("target_node", "nodes.id", "return_lines"),
        base._pk("return_lines", "return_id", "order_line_id"),
    )
    with op.batch_alter_table("refunds") as t:
        t.add_column(base._id("return_id", nullable=True))
        t.create_foreign_key(op.f("fk_refunds_return_id_returns"), "returns", ["return_id"], ["id"])
    with op.batch_alter_table("orders") as t:
        t.add_column(_money("discount_minor"))
        t.add_column(_money("shipping_minor"))


def downgrade() -> None:
    with op.batch_alter_table("orders") as t:
        t.drop_column("shipping_minor")
        t.drop_column("discount_minor")
    with op.batch_alter_table("refunds") as t:
        t.drop_constraint(op.f("fk_refunds_return_id_returns"), type_="foreignkey")
        t.drop_column("return_id")
    op.drop_table("return_lines")
    op.drop_table("returns")
