"""Order search by node and by store key: the nodes each order involves (order_nodes), so that
a node's orders come from one index in page order (node_id, created_at, order_id) instead of
~10,000 lookups allocations -> order_lines -> orders at a million orders.

Filled from what already says a node is involved: allocations and shipments (a shipment stays
when a short pick removed its allocation: the node supplied the order once) and the pickup
store. Plain INSERT ... SELECT, the same on SQLite and PostgreSQL.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUPPLYING = """
    INSERT INTO order_nodes (order_id, node_id, created_at, supplies)
    SELECT l.order_id, a.node_id, o.created_at, :yes
    FROM allocations a
    JOIN order_lines l ON l.id = a.order_line_id
    JOIN orders o ON o.id = l.order_id
    UNION
    SELECT s.order_id, s.node_id, o.created_at, :yes
    FROM shipments s JOIN orders o ON o.id = s.order_id
"""
_PICKUP = """
    INSERT INTO order_nodes (order_id, node_id, created_at, supplies)
    SELECT o.id, o.pickup_node, o.created_at, :no
    FROM orders o
    WHERE o.pickup_node IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM order_nodes n WHERE n.order_id = o.id AND n.node_id = o.pickup_node)
"""


def upgrade() -> None:
    op.create_table(
        "order_nodes",
        base._id("order_id"),
        base._id("node_id"),
        base._ts("created_at"),
        sa.Column("supplies", sa.Boolean(), nullable=False),
        base._fk("order_id", "orders.id", "order_nodes", ondelete="CASCADE"),
        base._fk("node_id", "nodes.id", "order_nodes"),
        base._pk("order_nodes", "order_id", "node_id"),
    )
    op.execute(sa.text(_SUPPLYING).bindparams(yes=True))
    op.execute(sa.text(_PICKUP).bindparams(no=False))
    # After the rows: one sort instead of an index grown row by row.
    op.create_index(
        "ix_order_nodes_node_id", "order_nodes", ["node_id", "created_at", "order_id", "supplies"]
    )


def downgrade() -> None:
    op.drop_index("ix_order_nodes_node_id", table_name="order_nodes")
    op.drop_table("order_nodes")
