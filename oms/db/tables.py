"""The OMS schema as SQLAlchemy Core tables, portable across SQLite and PostgreSQL.

The entities are plain classes in their contexts; ``oms/db/orm.py`` maps them onto these tables.
Money is integer minor units; quantities are integers; statuses are StrEnums stored as strings;
timestamps are aware UTC. The migrations create exactly these tables, and a test compares the two
so that they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    false,
    text,
    true,
)

from oms.access.model import ApiRole
from oms.db.types import BigIntPk, JsonType, UtcDateTime, str_enum
from oms.domain.events import Aggregate, utcnow
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, OrderLineStatus, ReservationStatus, ShipmentStatus
from oms.promise.choice import DeliveryService
from oms.stores.model import PickStatus

# Named constraints: Alembic can only alter or drop what has a stable name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

events = Table(
    "events",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    Column("occurred_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("type", String(64), nullable=False),
    Column("aggregate", str_enum(Aggregate), nullable=False),
    Column("aggregate_id", String(200), nullable=False),
    Column("payload", JsonType, nullable=False),
    Index("ix_events_aggregate", "aggregate", "aggregate_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("endpoint", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
)

nodes = Table(
    "nodes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(64), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("can_ship", Boolean, nullable=False),
    Column("can_pickup", Boolean, nullable=False),
    Column("capacity_units", Integer),
    Column("handling_cost", Float, nullable=False),
    Column("shipment_cost", Float, nullable=False),
    Column("cost_per_km", Float, nullable=False),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("cutoff_time", String(5), nullable=False, default="14:00"),
    Column("processing_days", Integer, nullable=False, default=0),
    Column("open_days", String(7), nullable=False, default="01234"),
    Column("holidays", JsonType, nullable=False, default=list),
    Column("opens", String(5), nullable=False, default="09:00"),
    Column("closes", String(5), nullable=False, default="18:00"),
    Column("pick_lead_minutes", Integer, nullable=False, default=120),
    Column("enabled", Boolean, nullable=False, default=True, server_default=true()),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("store_protection", Integer, nullable=False, default=0, server_default=text("0")),
    Column("hold_days", Integer, nullable=False, default=7, server_default=text("7")),
    Column("accepts_returns", Boolean, nullable=False, default=False, server_default=false()),
)

skus = Table(
    "skus",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("final_sale", Boolean, nullable=False, default=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", str_enum(ApiRole), nullable=False),
    Column("node_id", String(64), ForeignKey("nodes.id")),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("name", String(200)),
    Column("expires_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
)

inventory = Table(
    "inventory",
    metadata,
    Column("node_id", String(64), ForeignKey("nodes.id"), primary_key=True),
    Column("sku_id", String(64), ForeignKey("skus.id"), primary_key=True),
    Column("on_hand", Integer, nullable=False, default=0, server_default=text("0")),
    Column("reserved", Integer, nullable=False, default=0, server_default=text("0")),
    Column("safety_stock", Integer, nullable=False, default=0, server_default=text("0")),
    Column("version", Integer, nullable=False, default=0, server_default=text("0")),
    Column("bin_location", String(32)),
    CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
    CheckConstraint("reserved >= 0", name="reserved_non_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_non_negative"),
    Index("ix_inventory_sku_id", "sku_id"),
)

pickup_slots = Table(
    "pickup_slots",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("node_id", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("booked", Integer, nullable=False, default=0, server_default=text("0")),
    CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    UniqueConstraint("node_id", "starts_at"),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("idempotency_key", String(200)),
    Column("status", str_enum(ReservationStatus), nullable=False),
    Column("method", str_enum(DeliveryMethod), nullable=False),
    Column("pickup_node", String(64), ForeignKey("nodes.id")),
    Column("dest_lat", Float),
    Column("dest_lon", Float),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("request_hash", String(64)),
    Column("slot_id", String(64), ForeignKey("pickup_slots.id")),
    Column(
        "service",
        str_enum(DeliveryService),
        nullable=False,
        default=DeliveryService.STANDARD,
        server_default="standard",
    ),
    Index("ix_reservations_status_expires_at", "status", "expires_at"),
)

store_sessions = Table(
    "store_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "key_id",
        String(64),
        ForeignKey("api_keys.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("node_id", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_store_sessions_expires_at", "expires_at"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("idempotency_key", String(200)),
    Column("status", str_enum(OrderStatus), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("method", str_enum(DeliveryMethod), nullable=False),
    Column("dest_lat", Float),
    Column("dest_lon", Float),
    Column("destination", JsonType),
    Column("pickup_node", String(64), ForeignKey("nodes.id")),
    Column("reservation_id", String(64), ForeignKey("reservations.id")),
    Column("currency", String(3), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("updated_at", UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    Column("version", Integer, nullable=False, default=0, server_default=text("0")),
    Column("slot_id", String(64), ForeignKey("pickup_slots.id")),
    Column("ready_at", UtcDateTime()),
    Column("discount_minor", BigInteger, nullable=False, default=0, server_default=text("0")),
    Column("shipping_minor", BigInteger, nullable=False, default=0, server_default=text("0")),
    Column("expires_at", UtcDateTime()),
    Column(
        "service",
        str_enum(DeliveryService),
        nullable=False,
        default=DeliveryService.STANDARD,
        server_default="standard",
    ),
    Index("ix_orders_status_created_at", "status", "created_at"),
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column(
        "reservation_id",
        String(64),
        ForeignKey("reservations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("line_no", Integer, primary_key=True),
    Column("sku_id", String(64), ForeignKey("skus.id"), nullable=False),
    Column("node_id", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    CheckConstraint("qty > 0", name="qty_positive"),
    Index("ix_reservation_lines_node_id_sku_id", "node_id", "sku_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    Column(
        "order_id",
        String(64),
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(64), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("payload", JsonType, nullable=False),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("order_id", String(64), ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("sku_id", String(64), ForeignKey("skus.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("status", str_enum(OrderLineStatus), nullable=False),
    UniqueConstraint("order_id", "line_no"),
    CheckConstraint("qty > 0", name="qty_positive"),
)

returns = Table(
    "returns",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "order_id",
        String(64),
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("status", String(32), nullable=False),
    Column("method", String(32), nullable=False),
    Column("reason", String(64), nullable=False),
    Column("destination", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("purchase_channel", String(32), nullable=False),
    Column("cross_channel", Boolean, nullable=False),
    Column("exchange", JsonType),
    Column("exchange_order_id", String(64)),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("received_at", UtcDateTime()),
    Column("refunded_at", UtcDateTime()),
    Column("restocked_at", UtcDateTime()),
)

shipments = Table(
    "shipments",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "order_id",
        String(64),
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("node_id", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("status", str_enum(ShipmentStatus), nullable=False),
    Column("tracking", String(200)),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("promised_at", UtcDateTime()),
    Column("shipped_at", UtcDateTime()),
    Column("delivered_at", UtcDateTime()),
    Index("ix_shipments_node_id_status", "node_id", "status"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    Column(
        "order_line_id",
        String(64),
        ForeignKey("order_lines.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("node_id", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("shipment_id", String(64), ForeignKey("shipments.id"), index=True),
    CheckConstraint("qty > 0", name="qty_positive"),
)

picks = Table(
    "picks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "order_id",
        String(64),
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("shipment_id", String(64), ForeignKey("shipments.id"), nullable=False, unique=True),
    Column("node_id", String(64), ForeignKey("nodes.id"), nullable=False),
    Column("status", str_enum(PickStatus), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("confirmed_at", UtcDateTime()),
    Index("ix_picks_node_id_status", "node_id", "status"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "order_id",
        String(64),
        ForeignKey("orders.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("order_line_id", String(64), ForeignKey("order_lines.id")),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("return_id", String(64), ForeignKey("returns.id")),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
)

return_lines = Table(
    "return_lines",
    metadata,
    Column("return_id", String(64), ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True),
    Column("order_line_id", String(64), ForeignKey("order_lines.id"), primary_key=True),
    Column("sku_id", String(64), ForeignKey("skus.id"), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("condition", String(32)),
    Column("disposition", String(32)),
    Column("target_node", String(64), ForeignKey("nodes.id")),
    Column("refund_minor", BigInteger),
    CheckConstraint("qty > 0", name="qty_positive"),
)

pick_lines = Table(
    "pick_lines",
    metadata,
    Column("pick_id", String(64), ForeignKey("picks.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "order_line_id",
        String(64),
        ForeignKey("order_lines.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("sku_id", String(64), ForeignKey("skus.id"), nullable=False),
    Column("bin_location", String(32)),
    Column("qty", Integer, nullable=False),
    Column("picked", Integer),
    CheckConstraint("qty > 0", name="qty_positive"),
)
