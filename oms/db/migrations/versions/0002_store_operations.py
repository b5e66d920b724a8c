"""Store operations: pickup slots, picks, notifications, refunds; store protection, hold days
and returns on nodes; bins on inventory; slots and pickup times on reservations and orders;
shipment times.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The column helpers of the first migration (same SQL types, same constraint names).
base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts_null(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    _slots_and_picks()
    _notifications_and_refunds()
    with op.batch_alter_table("nodes") as t:
        t.add_column(base._counter("store_protection"))
        t.add_column(
            sa.Column("hold_days", sa.Integer(), server_default=sa.text("7"), nullable=False)
        )
        t.add_column(
            sa.Column("accepts_returns", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("inventory") as t:
        t.add_column(sa.Column("bin_location", sa.String(length=32), nullable=True))
    with op.batch_alter_table("reservations") as t:
        t.add_column(base._id("slot_id", nullable=True))
        t.create_foreign_key(
            op.f("fk_reservations_slot_id_pickup_slots"), "pickup_slots", ["slot_id"], ["id"]
        )
    with op.batch_alter_table("orders") as t:
        t.add_column(base._id("slot_id", nullable=True))
        t.add_column(_ts_null("ready_at"))
        t.add_column(_ts_null("expires_at"))
        t.create_foreign_key(
            op.f("fk_orders_slot_id_pickup_slots"), "pickup_slots", ["slot_id"], ["id"]
        )
    with op.batch_alter_table("shipments") as t:
        for name in ("promised_at", "shipped_at", "delivered_at"):
            t.add_column(_ts_null(name))


def _slots_and_picks() -> None:
    op.create_table(
        "pickup_slots",
        base._id("id"),
        base._id("node_id"),
        base._ts("starts_at"),
        base._ts("ends_at"),
        base._int("capacity"),
        base._counter("booked"),
        base._ck("pickup_slots", "booked_within_capacity", "booked >= 0 AND booked <= capacity"),
        base._ck("pickup_slots", "ends_after_start", "ends_at > starts_at"),
        base._fk("node_id", "nodes.id", "pickup_slots"),
        base._pk("pickup_slots", "id"),
        base._uq("pickup_slots", "node_id", "starts_at"),
    )
    op.create_table(
        "picks",
        base._id("id"),
        base._id("order_id"),
        base._id("shipment_id"),
        base._id("node_id"),
        base._status("status"),
        base._ts("created_at"),
        _ts_null("confirmed_at"),
        base._fk("order_id", "orders.id", "picks", ondelete="CASCADE"),
        base._fk("shipment_id", "shipments.id", "picks"),
        base._fk("node_id", "nodes.id", "picks"),
        base._pk("picks", "id"),
        base._uq("picks", "shipment_id"),
    )
    op.create_index("ix_picks_node_id_status", "picks", ["node_id", "status"])
    op.create_index("ix_picks_order_id", "picks", ["order_id"])
    op.create_table(
        "pick_lines",
        base._id("pick_id"),
        base._id("order_line_id"),
        base._id("sku_id"),
        sa.Column("bin_location", sa.String(length=32), nullable=True),
        base._int("qty"),
        base._int("picked", nullable=True),
        base._ck("pick_lines", "qty_positive", "qty > 0"),
        base._fk("pick_id", "picks.id", "pick_lines", ondelete="CASCADE"),
        base._fk("order_line_id", "order_lines.id", "pick_lines", ondelete="CASCADE"),
        base._fk("sku_id", "skus.id", "pick_lines"),
        base._pk("pick_lines", "pick_id", "order_line_id"),
    )


def _notifications_and_refunds() -> None:
    op.create_table(
        "notifications",
        base._serial("id"),
        base._id("order_id"),
        base._id("kind"),
        sa.Column("channel", sa.String(length=32), nullable=False),
        base._ts("created_at"),
        base._json("payload"),
        base._fk("order_id", "orders.id", "notifications", ondelete="CASCADE"),
        base._pk("notifications", "id"),
    )
    op.create_index("ix_notifications_order_id", "notifications", ["order_id"])
    op.create_table(
        "refunds",
        base._id("id"),
        base._id("order_id"),
        base._id("order_line_id", nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        base._ts("created_at"),
        base._ck("refunds", "amount_positive", "amount_minor > 0"),
        base._fk("order_id", "orders.id", "refunds", ondelete="CASCADE"),
        base._fk("order_line_id", "order_lines.id", "refunds"),
        base._pk("refunds", "id"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])


def downgrade() -> None:
    for table, columns in (
        ("shipments", ["delivered_at", "shipped_at", "promised_at"]),
        ("orders", ["expires_at", "ready_at", "slot_id"]),
        ("reservations", ["slot_id"]),
        ("inventory", ["bin_location"]),
        ("nodes", ["accepts_returns", "hold_days", "store_protection"]),
    ):
        with op.batch_alter_table(table) as t:
            if "slot_id" in columns:
                t.drop_constraint(op.f(f"fk_{table}_slot_id_pickup_slots"), type_="foreignkey")
            for name in columns:
                t.drop_column(name)
    for table in ("refunds", "notifications", "pick_lines", "picks", "pickup_slots"):
        op.drop_table(table)
