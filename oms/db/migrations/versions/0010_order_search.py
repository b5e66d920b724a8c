"""Order search: indexes that give each filter its rows newest first (created_at, id), so that
a page over a million orders reads about a page of rows. The customer and e-mail indexes of
0009 become (column, created_at, id): the same lookups, plus the order of a page.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PAGED = ("customer_id", "email", "phone", "pickup_node")


def upgrade() -> None:
    op.drop_index("ix_orders_customer_id", table_name="orders")
    op.drop_index("ix_orders_email", table_name="orders")
    op.create_index("ix_orders_created_at", "orders", ["created_at", "id"])
    for column in _PAGED:
        op.create_index(f"ix_orders_{column}", "orders", [column, "created_at", "id"])
    op.create_index(
        "ix_orders_id_pattern", "orders", ["id"], postgresql_ops={"id": "text_pattern_ops"}
    )
    op.create_index("ix_allocations_node_id", "allocations", ["node_id", "order_line_id"])
    op.create_index("ix_order_lines_sku_id", "order_lines", ["sku_id", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_order_lines_sku_id", table_name="order_lines")
    op.drop_index("ix_allocations_node_id", table_name="allocations")
    op.drop_index("ix_orders_id_pattern", table_name="orders")
    for column in _PAGED:
        op.drop_index(f"ix_orders_{column}", table_name="orders")
    op.drop_index("ix_orders_created_at", table_name="orders")
    op.create_index("ix_orders_email", "orders", ["email"])
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
