"""Transfer receipts: what a store counted when a ship-to-store transfer reached it, per order
line of the shipment (units expected and received), so over and under receipts stay on record.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "transfer_receipt_lines"


def upgrade() -> None:
    op.create_table(
        TABLE,
        base._id("shipment_id"),
        base._id("order_line_id"),
        base._id("order_id"),
        base._id("node_id"),
        base._id("sku_id"),
        base._int("expected"),
        base._int("received"),
        base._ts("received_at"),
        base._ck(TABLE, "expected_not_negative", "expected >= 0"),
        base._ck(TABLE, "received_not_negative", "received >= 0"),
        base._fk("shipment_id", "shipments.id", TABLE, ondelete="CASCADE"),
        base._fk("order_line_id", "order_lines.id", TABLE, ondelete="CASCADE"),
        base._fk("order_id", "orders.id", TABLE, ondelete="CASCADE"),
        base._fk("node_id", "nodes.id", TABLE),
        base._fk("sku_id", "skus.id", TABLE),
        base._pk(TABLE, "shipment_id", "order_line_id"),
    )
    op.create_index("ix_transfer_receipt_lines_node_id", TABLE, ["node_id", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_transfer_receipt_lines_node_id", table_name=TABLE)
    op.drop_table(TABLE)
