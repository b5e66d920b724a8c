"""The initial schema: nodes, SKUs, the inventory ledger, reservations, orders, events, API keys.

Types are frozen here as plain SQL types (a migration must not change when the models do):
StrEnum columns are VARCHAR(32), UTC timestamps are TIMESTAMP WITH TIME ZONE.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def _status(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=False)


def _ts(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _json(name: str, nullable: bool = False) -> sa.Column[object]:
    kind = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    return sa.Column(name, kind, nullable=nullable)


def _serial(name: str) -> sa.Column[int]:
    kind = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    return sa.Column(name, kind, autoincrement=True, nullable=False)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _counter(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), server_default=sa.text("0"), nullable=False)


def _float(name: str, nullable: bool = False) -> sa.Column[float]:
    return sa.Column(name, sa.Float(), nullable=nullable)


def _fk(column: str, target: str, table: str, ondelete: str | None = None) -> sa.Constraint:
    ref_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=op.f(f"fk_{table}_{column}_{ref_table}"), ondelete=ondelete
    )


def _pk(table: str, *columns: str) -> sa.Constraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _uq(table: str, *columns: str) -> sa.Constraint:
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{columns[0]}"))


def _ck(table: str, name: str, sql: str) -> sa.Constraint:
    return sa.CheckConstraint(sql, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    _catalog()
    _inventory()
    _reservations()
    _orders()
    _history_and_keys()


def _catalog() -> None:
    op.create_table(
        "nodes",
        _id("id"),
        _id("kind"),
        _float("lat"),
        _float("lon"),
        sa.Column("can_ship", sa.Boolean(), nullable=False),
        sa.Column("can_pickup", sa.Boolean(), nullable=False),
        _int("capacity_units", nullable=True),
        _float("handling_cost"),
        _float("shipment_cost"),
        _float("cost_per_km"),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("cutoff_time", sa.String(length=5), nullable=False),
        _int("processing_days"),
        sa.Column("open_days", sa.String(length=7), nullable=False),
        _json("holidays"),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        _int("pick_lead_minutes"),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        _ts("created_at"),
        _pk("nodes", "id"),
    )
    op.create_table(
        "skus",
        _id("id"),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("final_sale", sa.Boolean(), nullable=False),
        _pk("skus", "id"),
    )


def _inventory() -> None:
    op.create_table(
        "inventory",
        _id("node_id"),
        _id("sku_id"),
        _counter("on_hand"),
        _counter("reserved"),
        _counter("safety_stock"),
        _counter("version"),
        _ck("inventory", "on_hand_non_negative", "on_hand >= 0"),
        _ck("inventory", "reserved_within_on_hand", "reserved <= on_hand"),
        _ck("inventory", "reserved_non_negative", "reserved >= 0"),
        _ck("inventory", "safety_stock_non_negative", "safety_stock >= 0"),
        _fk("node_id", "nodes.id", "inventory"),
        _fk("sku_id", "skus.id", "inventory"),
        _pk("inventory", "node_id", "sku_id"),
    )
    op.create_index("ix_inventory_sku_id", "inventory", ["sku_id"])


def _reservations() -> None:
    op.create_table(
        "reservations",
        _id("id"),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        _status("status"),
        _status("method"),
        _id("pickup_node", nullable=True),
        _float("dest_lat", nullable=True),
        _float("dest_lon", nullable=True),
        _ts("expires_at"),
        _ts("created_at"),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        _fk("pickup_node", "nodes.id", "reservations"),
        _pk("reservations", "id"),
        _uq("reservations", "idempotency_key"),
    )
    op.create_index("ix_reservations_status_expires_at", "reservations", ["status", "expires_at"])
    op.create_table(
        "reservation_lines",
        _id("reservation_id"),
        _int("line_no"),
        _id("sku_id"),
        _id("node_id"),
        _int("qty"),
        _ck("reservation_lines", "qty_positive", "qty > 0"),
        _fk("node_id", "nodes.id", "reservation_lines"),
        _fk("reservation_id", "reservations.id", "reservation_lines", ondelete="CASCADE"),
        _fk("sku_id", "skus.id", "reservation_lines"),
        _pk("reservation_lines", "reservation_id", "line_no"),
    )
    op.create_index(
        "ix_reservation_lines_node_id_sku_id", "reservation_lines", ["node_id", "sku_id"]
    )


def _orders() -> None:
    op.create_table(
        "orders",
        _id("id"),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        _status("status"),
        _id("channel"),
        _status("method"),
        _float("dest_lat", nullable=True),
        _float("dest_lon", nullable=True),
        _json("destination", nullable=True),
        _id("pickup_node", nullable=True),
        _id("reservation_id", nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        _counter("version"),
        _fk("pickup_node", "nodes.id", "orders"),
        _fk("reservation_id", "reservations.id", "orders"),
        _pk("orders", "id"),
        _uq("orders", "idempotency_key"),
    )
    op.create_index("ix_orders_status_created_at", "orders", ["status", "created_at"])
    op.create_table(
        "order_lines",
        _id("id"),
        _id("order_id"),
        _int("line_no"),
        _id("sku_id"),
        _int("qty"),
        sa.Column("price_minor", sa.BigInteger(), nullable=False),
        _status("status"),
        _ck("order_lines", "qty_positive", "qty > 0"),
        _fk("order_id", "orders.id", "order_lines", ondelete="CASCADE"),
        _fk("sku_id", "skus.id", "order_lines"),
        _pk("order_lines", "id"),
        _uq("order_lines", "order_id", "line_no"),
    )
    op.create_table(
        "shipments",
        _id("id"),
        _id("order_id"),
        _id("node_id"),
        _status("status"),
        sa.Column("tracking", sa.String(length=200), nullable=True),
        _ts("created_at"),
        _fk("node_id", "nodes.id", "shipments"),
        _fk("order_id", "orders.id", "shipments", ondelete="CASCADE"),
        _pk("shipments", "id"),
    )
    op.create_index("ix_shipments_node_id_status", "shipments", ["node_id", "status"])
    op.create_index("ix_shipments_order_id", "shipments", ["order_id"])
    op.create_table(
        "allocations",
        _serial("id"),
        _id("order_line_id"),
        _id("node_id"),
        _int("qty"),
        _id("shipment_id", nullable=True),
        _ck("allocations", "qty_positive", "qty > 0"),
        _fk("node_id", "nodes.id", "allocations"),
        _fk("order_line_id", "order_lines.id", "allocations", ondelete="CASCADE"),
        _fk("shipment_id", "shipments.id", "allocations"),
        _pk("allocations", "id"),
    )
    op.create_index("ix_allocations_order_line_id", "allocations", ["order_line_id"])
    op.create_index("ix_allocations_shipment_id", "allocations", ["shipment_id"])


def _history_and_keys() -> None:
    op.create_table(
        "events",
        _serial("id"),
        _ts("occurred_at"),
        sa.Column("type", sa.String(length=64), nullable=False),
        _status("aggregate"),
        sa.Column("aggregate_id", sa.String(length=200), nullable=False),
        _json("payload"),
        _pk("events", "id"),
    )
    op.create_index("ix_events_aggregate", "events", ["aggregate", "aggregate_id", "id"])
    op.create_table(
        "api_keys",
        _id("id"),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        _status("role"),
        _id("node_id", nullable=True),
        _ts("created_at"),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        _fk("node_id", "nodes.id", "api_keys"),
        _pk("api_keys", "id"),
        _uq("api_keys", "key_hash"),
    )


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes and constraints.
    for table in (
        "api_keys",
        "events",
        "allocations",
        "shipments",
        "order_lines",
        "orders",
        "reservation_lines",
        "reservations",
        "inventory",
        "skus",
        "nodes",
    ):
        op.drop_table(table)
