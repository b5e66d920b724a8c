"""Stock counts at a store (issue 16): the counts ops request and a line per SKU counted.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stock_counts",
        base._id("id"),
        base._id("node_id"),
        base._status("status"),
        base._id("requested_by"),
        base._ts("created_at"),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        base._id("decided_by", nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        base._fk("node_id", "nodes.id", "stock_counts"),
        base._pk("stock_counts", "id"),
    )
    op.create_index("ix_stock_counts_node_id_status", "stock_counts", ["node_id", "status"])
    op.create_index("ix_stock_counts_applied_at", "stock_counts", ["applied_at"])
    op.create_table(
        "stock_count_lines",
        base._id("count_id"),
        base._id("sku_id"),
        base._int("expected", nullable=True),
        base._int("counted", nullable=True),
        base._int("variance", nullable=True),
        base._fk("count_id", "stock_counts.id", "stock_count_lines", ondelete="CASCADE"),
        base._fk("sku_id", "skus.id", "stock_count_lines"),
        base._pk("stock_count_lines", "count_id", "sku_id"),
    )


def downgrade() -> None:
    op.drop_table("stock_count_lines")
    op.drop_index("ix_stock_counts_applied_at", table_name="stock_counts")
    op.drop_index("ix_stock_counts_node_id_status", table_name="stock_counts")
    op.drop_table("stock_counts")
