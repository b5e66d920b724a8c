"""The OMS schema as SQLAlchemy Core tables, portable across SQLite and PostgreSQL.

The entities are plain classes in their contexts; ``oms/db/orm.py`` maps them onto these tables.
Money is integer minor units; quantities are integers; statuses are StrEnums stored as strings;
timestamps are aware UTC. The migrations create exactly these tables, and a test compares the two
so that they cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)

from oms.access.model import ApiRole
from oms.db.types import BigIntPk, JsonType, UtcDateTime, str_enum
from oms.domain.events import Aggregate, utcnow
from oms.integrations.webhooks_model import DeliveryStatus, EndpointStatus
from oms.notifications.model import NotificationStatus
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, OrderLineStatus, ReservationStatus, ShipmentStatus
from oms.orders.tracking import TrackingSource, TrackingStatus
from oms.promise.choice import DeliveryService
from oms.stores.counts_model import CountStatus
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


# Column kinds used across tables (what the declarative schema had as Annotated aliases).
def id_pk() -> Column[str]:
    return Column("id", String(64), primary_key=True)


def created_at() -> Column[datetime]:
    return Column("created_at", UtcDateTime(), nullable=False, default=utcnow)


def when(name: str) -> Column[datetime]:
    """An optional instant (shipped_at, expires_at...)."""
    return Column(name, UtcDateTime())


def ref(name: str, target: str, *, null: bool = False, **kw: Any) -> Column[str]:
    """A reference to another table's id (``target``: "nodes.id"); ``kw``: primary_key, index,
    unique, and ``ondelete`` for the foreign key."""
    ondelete = kw.pop("ondelete", None)
    if not kw.get("primary_key"):
        kw["nullable"] = null
    return Column(name, String(64), ForeignKey(target, ondelete=ondelete), **kw)


def counter(name: str, kind: type[Integer] = Integer) -> Column[int]:
    """A count that starts at 0, in Python and in the database."""
    return Column(name, kind, nullable=False, default=0, server_default=text("0"))


def service() -> Column[DeliveryService]:
    """The delivery service chosen (0005); rows from before it say standard."""
    return Column(
        "service",
        str_enum(DeliveryService),
        nullable=False,
        default=DeliveryService.STANDARD,
        server_default="standard",
    )


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

# The transactional outbox: every public event (oms.integrations.catalogue), written in the
# transaction of its change. ``position`` is its place in commit order, given after commit by the
# sequencer (oms.db.outbox); the feed and the webhook fan-out read by position.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("ordering_key", String(200), nullable=False),
    Column("data", JsonType, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False, default=utcnow),
    Column("position", BigInteger, unique=True),
    # What the sequencer looks for: committed rows without a position yet, in write order.
    Index(
        "ix_outbox_unsequenced",
        "id",
        postgresql_where=text("position IS NULL"),
        sqlite_where=text("position IS NULL"),
    ),
)

# Named counters (the outbox's last position given): one row each, locked to take a turn.
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False, server_default=text("0")),
)

# Webhooks (oms.integrations.webhooks): endpoints, one delivery per event and endpoint (the body
# it sends on every attempt), and each attempt's result for the delivery log.
webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    id_pk(),
    Column("url", String(2000), nullable=False),
    Column("events", JsonType, nullable=False),
    Column("description", String(200)),
    Column("secret", String(100), nullable=False),
    Column("status", str_enum(EndpointStatus), nullable=False),
    Column("disabled_reason", String(500)),
    counter("consecutive_failures"),
    when("failing_since"),
    created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, default=utcnow),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    id_pk(),
    ref("endpoint_id", "webhook_endpoints.id", ondelete="CASCADE"),
    Column("event_id", String(40), nullable=False),
    Column("position", BigInteger),
    Column("type", String(64), nullable=False),
    Column("ordering_key", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", str_enum(DeliveryStatus), nullable=False),
    counter("attempts"),
    Column("max_attempts", Integer, nullable=False),
    when("next_attempt_at"),
    when("lease_until"),
    Column("lease_token", String(40)),
    Column("last_status_code", Integer),
    Column("last_response_ms", Integer),
    Column("last_error", String(500)),
    when("last_attempt_at"),
    when("completed_at"),
    created_at(),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
    # The dispatcher's scan: pending deliveries by when they are due.
    Index(
        "ix_webhook_deliveries_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
    # The ordering rule: an earlier pending delivery of the same endpoint and ordering key.
    Index("ix_webhook_deliveries_ordering", "endpoint_id", "ordering_key", "position"),
    # The delivery log, newest first.
    Index("ix_webhook_deliveries_log", "endpoint_id", "created_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    ref("delivery_id", "webhook_deliveries.id", index=True, ondelete="CASCADE"),
    Column("number", Integer, nullable=False),
    Column("attempted_at", UtcDateTime(), nullable=False),
    Column("status_code", Integer),
    Column("response_ms", Integer),
    Column("error", String(500)),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),
    Column("endpoint", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("resource_id", String(64), nullable=False),
    created_at(),
)

nodes = Table(
    "nodes",
    metadata,
    id_pk(),
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
    created_at(),
    counter("store_protection"),
    Column("hold_days", Integer, nullable=False, default=7, server_default=text("7")),
    Column("accepts_returns", Boolean, nullable=False, default=False, server_default=false()),
    # 0015: capacity controls (oms.stores.capacity)
    Column("daily_order_limit", Integer),
    Column("paused", Boolean, nullable=False, server_default=false()),
    when("paused_until"),
)

skus = Table(
    "skus",
    metadata,
    id_pk(),
    Column("name", String(200), nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("final_sale", Boolean, nullable=False, default=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    id_pk(),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", str_enum(ApiRole), nullable=False),
    ref("node_id", "nodes.id", null=True),
    created_at(),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("name", String(200)),
    when("expires_at"),
    when("revoked_at"),
)

inventory = Table(
    "inventory",
    metadata,
    ref("node_id", "nodes.id", primary_key=True),
    ref("sku_id", "skus.id", primary_key=True),
    counter("on_hand"),
    counter("reserved"),
    counter("safety_stock"),
    counter("version"),
    Column("bin_location", String(32)),
    CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
    CheckConstraint("reserved >= 0", name="reserved_non_negative"),
    CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    CheckConstraint("safety_stock >= 0", name="safety_stock_non_negative"),
    Index("ix_inventory_sku_id", "sku_id"),
    # The rows holding units, per node (capacity left: promise's once-a-second read).
    Index(
        "ix_inventory_held",
        "node_id",
        "reserved",
        postgresql_where=text("reserved > 0"),
        sqlite_where=text("reserved > 0"),
    ),
)

pickup_slots = Table(
    "pickup_slots",
    metadata,
    id_pk(),
    ref("node_id", "nodes.id"),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("capacity", Integer, nullable=False),
    counter("booked"),
    CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    UniqueConstraint("node_id", "starts_at"),
    CheckConstraint("ends_at > starts_at", name="ends_after_start"),
)


def contact_columns() -> list[Column[Any]]:
    """Who and where an order or reservation is for (0009), kept as given."""
    return [
        ref("customer_id", "customers.id", null=True),
        Column("email", String(254)),
        Column("customer_name", String(200)),
        Column("phone", String(32)),
        Column("locale", String(8)),
        Column("address", JsonType),
        Column("located_by", String(32)),
    ]


customers = Table(
    "customers",
    metadata,
    id_pk(),
    Column("email", String(254), nullable=False, index=True),
    Column("name", String(200)),
    Column("phone", String(32), index=True),
    Column("locale", String(8), nullable=False, default="en", server_default="en"),
    Column("external_id", String(200), unique=True),
    created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    when("erased_at"),
)

customer_addresses = Table(
    "customer_addresses",
    metadata,
    id_pk(),
    ref("customer_id", "customers.id", index=True, ondelete="CASCADE"),
    Column("line1", String(200), nullable=False),
    Column("line2", String(200)),
    Column("postcode", String(16), nullable=False),
    Column("city", String(100), nullable=False),
    Column("country", String(2), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("located_by", String(32)),
    created_at(),
)

reservations = Table(
    "reservations",
    metadata,
    id_pk(),
    Column("idempotency_key", String(200)),
    Column("status", str_enum(ReservationStatus), nullable=False),
    Column("method", str_enum(DeliveryMethod), nullable=False),
    ref("pickup_node", "nodes.id", null=True),
    Column("dest_lat", Float),
    Column("dest_lon", Float),
    Column("expires_at", UtcDateTime(), nullable=False),
    created_at(),
    Column("request_hash", String(64)),
    ref("slot_id", "pickup_slots.id", null=True),
    service(),
    *contact_columns(),
    Index("ix_reservations_status_expires_at", "status", "expires_at"),
)

store_sessions = Table(
    "store_sessions",
    metadata,
    id_pk(),
    ref("key_id", "api_keys.id", index=True, ondelete="CASCADE"),
    ref("node_id", "nodes.id", null=True),  # null: an ops key's session (0013)
    Column("csrf_token", String(64), nullable=False),
    created_at(),
    Column("expires_at", UtcDateTime(), nullable=False),
    Index("ix_store_sessions_expires_at", "expires_at"),
)

orders = Table(
    "orders",
    metadata,
    id_pk(),
    Column("idempotency_key", String(200)),
    Column("status", str_enum(OrderStatus), nullable=False),
    Column("channel", String(64), nullable=False),
    Column("method", str_enum(DeliveryMethod), nullable=False),
    Column("dest_lat", Float),
    Column("dest_lon", Float),
    Column("destination", JsonType),
    ref("pickup_node", "nodes.id", null=True),
    ref("reservation_id", "reservations.id", null=True),
    Column("currency", String(3), nullable=False),
    created_at(),
    Column("updated_at", UtcDateTime(), nullable=False, default=utcnow, onupdate=utcnow),
    counter("version"),
    ref("slot_id", "pickup_slots.id", null=True),
    when("ready_at"),
    counter("discount_minor", BigInteger),
    counter("shipping_minor", BigInteger),
    when("expires_at"),
    service(),
    *contact_columns(),
    # The code the customer shows at the store to collect (0012), and when they were reminded
    # that the pickup hold ends.
    Column("pickup_code", String(6)),
    when("reminded_at"),
    Index("ix_orders_status_created_at", "status", "created_at"),
    # Order search (0010), newest first: each index yields its rows in page order.
    Index("ix_orders_created_at", "created_at", "id"),
    Index("ix_orders_customer_id", "customer_id", "created_at", "id"),
    Index("ix_orders_email", "email", "created_at", "id"),
    Index("ix_orders_phone", "phone", "created_at", "id"),
    Index("ix_orders_pickup_node", "pickup_node", "created_at", "id"),
    # An order id prefix (LIKE 'O-3F%') whatever the database's collation.
    Index("ix_orders_id_pattern", "id", postgresql_ops={"id": "text_pattern_ops"}),
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    ref("reservation_id", "reservations.id", primary_key=True, ondelete="CASCADE"),
    Column("line_no", Integer, primary_key=True),
    ref("sku_id", "skus.id"),
    ref("node_id", "nodes.id"),
    Column("qty", Integer, nullable=False),
    CheckConstraint("qty > 0", name="qty_positive"),
    Index("ix_reservation_lines_node_id_sku_id", "node_id", "sku_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    ref("order_id", "orders.id", index=True, ondelete="CASCADE"),
    Column("kind", String(64), nullable=False),
    Column("channel", String(32), nullable=False),
    created_at(),
    Column("payload", JsonType, nullable=False),
    # Sending (0012): to whom, in which language, and where it stands (oms.notifications).
    Column("key", String(40), nullable=False, unique=True),
    Column("recipient", String(254)),
    Column("locale", String(8), nullable=False, default="en", server_default="en"),
    Column(
        "status",
        str_enum(NotificationStatus),
        nullable=False,
        default=NotificationStatus.PENDING,
        server_default="pending",
    ),
    counter("attempts"),
    when("next_attempt_at"),
    when("lease_until"),
    Column("lease_token", String(40)),
    Column("last_error", String(500)),
    when("sent_at"),
    # The mailer's scan: pending notifications by when they are due.
    Index(
        "ix_notifications_due",
        "next_attempt_at",
        postgresql_where=text("status = 'pending'"),
        sqlite_where=text("status = 'pending'"),
    ),
)

order_lines = Table(
    "order_lines",
    metadata,
    id_pk(),
    ref("order_id", "orders.id", ondelete="CASCADE"),
    Column("line_no", Integer, nullable=False),
    ref("sku_id", "skus.id"),
    Column("qty", Integer, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("status", str_enum(OrderLineStatus), nullable=False),
    UniqueConstraint("order_id", "line_no"),
    CheckConstraint("qty > 0", name="qty_positive"),
    # Order search by SKU (0010): the orders with a line of a SKU.
    Index("ix_order_lines_sku_id", "sku_id", "order_id"),
)

returns = Table(
    "returns",
    metadata,
    id_pk(),
    ref("order_id", "orders.id", index=True, ondelete="CASCADE"),
    Column("status", String(32), nullable=False),
    Column("method", String(32), nullable=False),
    Column("reason", String(64), nullable=False),
    ref("destination", "nodes.id"),
    Column("purchase_channel", String(32), nullable=False),
    Column("cross_channel", Boolean, nullable=False),
    Column("exchange", JsonType),
    Column("exchange_order_id", String(64)),
    created_at(),
    when("received_at"),
    when("refunded_at"),
    when("restocked_at"),
)

shipments = Table(
    "shipments",
    metadata,
    id_pk(),
    ref("order_id", "orders.id", index=True, ondelete="CASCADE"),
    ref("node_id", "nodes.id"),
    Column("status", str_enum(ShipmentStatus), nullable=False),
    Column("tracking", String(200)),
    created_at(),
    when("promised_at"),
    when("shipped_at"),
    when("delivered_at"),
    Column("carrier", String(64)),  # 0011
    Column("tracking_url", String(2000)),  # 0011
    Index("ix_shipments_node_id_status", "node_id", "status"),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    ref("order_line_id", "order_lines.id", index=True, ondelete="CASCADE"),
    ref("node_id", "nodes.id"),
    Column("qty", Integer, nullable=False),
    ref("shipment_id", "shipments.id", null=True, index=True),
    CheckConstraint("qty > 0", name="qty_positive"),
    # Order search by node (0010): the orders with units at a node.
    Index("ix_allocations_node_id", "node_id", "order_line_id"),
)

picks = Table(
    "picks",
    metadata,
    id_pk(),
    ref("order_id", "orders.id", index=True, ondelete="CASCADE"),
    ref("shipment_id", "shipments.id", unique=True),
    ref("node_id", "nodes.id"),
    Column("status", str_enum(PickStatus), nullable=False),
    created_at(),
    when("confirmed_at"),
    Index("ix_picks_node_id_status", "node_id", "status"),
)

refunds = Table(
    "refunds",
    metadata,
    id_pk(),
    ref("order_id", "orders.id", index=True, ondelete="CASCADE"),
    ref("order_line_id", "order_lines.id", null=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("reason", String(200), nullable=False),
    created_at(),
    ref("return_id", "returns.id", null=True),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
)

return_lines = Table(
    "return_lines",
    metadata,
    ref("return_id", "returns.id", primary_key=True, ondelete="CASCADE"),
    ref("order_line_id", "order_lines.id", primary_key=True),
    ref("sku_id", "skus.id"),
    Column("qty", Integer, nullable=False),
    Column("condition", String(32)),
    Column("disposition", String(32)),
    ref("target_node", "nodes.id", null=True),
    Column("refund_minor", BigInteger),
    CheckConstraint("qty > 0", name="qty_positive"),
)

pick_lines = Table(
    "pick_lines",
    metadata,
    ref("pick_id", "picks.id", primary_key=True, ondelete="CASCADE"),
    ref("order_line_id", "order_lines.id", primary_key=True, ondelete="CASCADE"),
    ref("sku_id", "skus.id"),
    Column("bin_location", String(32)),
    Column("qty", Integer, nullable=False),
    Column("picked", Integer),
    CheckConstraint("qty > 0", name="qty_positive"),
)


# ------------------------------------------------------------------------ tracking (0011)

shipment_tracking_events = Table(
    "shipment_tracking_events",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    ref("shipment_id", "shipments.id", ondelete="CASCADE"),
    Column("status", str_enum(TrackingStatus), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("carrier_event_id", String(200)),
    Column("location", String(200)),
    Column("description", String(500)),
    Column("source", str_enum(TrackingSource), nullable=False),
    created_at(),
    # NULLs are distinct (SQLite and PostgreSQL): entries without a carrier id never clash.
    UniqueConstraint("shipment_id", "carrier_event_id"),
    Index("ix_shipment_tracking_events_shipment_id_occurred_at", "shipment_id", "occurred_at"),
)

# What promises found available, per hour (oms.promise.outcomes): each process adds its tally
# every few seconds, so checkout writes nothing per request. The availability KPI reads it.
promise_tallies = Table(
    "promise_tallies",
    metadata,
    Column("hour", UtcDateTime(), primary_key=True),
    counter("lines", BigInteger),
    counter("available", BigInteger),
)


# ---------------------------------------------------------------- order search (0014)

# The nodes each order involves (oms.orders.model.OrderNode), written with what involves them:
# a node's orders in page order, instead of ~10,000 lookups allocations -> lines -> orders.
# The key leads with the order (a page's summaries, re-sourcing's "already there?").
order_nodes = Table(
    "order_nodes",
    metadata,
    ref("order_id", "orders.id", primary_key=True, ondelete="CASCADE"),
    ref("node_id", "nodes.id", primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("supplies", Boolean, nullable=False),
    # `supplies` last: the node filter reads it from the index, in page order still.
    Index("ix_order_nodes_node_id", "node_id", "created_at", "order_id", "supplies"),
)


# ------------------------------------------------------------ transfer receipts (0017)

# What a store counted when a ship-to-store transfer reached it (oms.stores.receipts): the units
# expected and received per order line of the shipment; over and under receipts stay on record.
transfer_receipt_lines = Table(
    "transfer_receipt_lines",
    metadata,
    ref("shipment_id", "shipments.id", primary_key=True, ondelete="CASCADE"),
    ref("order_line_id", "order_lines.id", primary_key=True, ondelete="CASCADE"),
    ref("order_id", "orders.id", ondelete="CASCADE"),
    ref("node_id", "nodes.id"),
    ref("sku_id", "skus.id"),
    Column("expected", Integer, nullable=False),
    Column("received", Integer, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    CheckConstraint("expected >= 0", name="expected_not_negative"),
    CheckConstraint("received >= 0", name="received_not_negative"),
    Index("ix_transfer_receipt_lines_node_id", "node_id", "received_at"),
)


# ---------------------------------------------------------------- stock counts (0018)

# A count ops asked a store for (oms.stores.counts_model), and a line per SKU to count.
stock_counts = Table(
    "stock_counts",
    metadata,
    id_pk(),
    ref("node_id", "nodes.id"),
    Column("status", str_enum(CountStatus), nullable=False),
    Column("requested_by", String(64), nullable=False),
    created_at(),
    when("submitted_at"),
    Column("decided_by", String(64)),
    when("applied_at"),
    Index("ix_stock_counts_node_id_status", "node_id", "status"),
    Index("ix_stock_counts_applied_at", "applied_at"),
)

stock_count_lines = Table(
    "stock_count_lines",
    metadata,
    ref("count_id", "stock_counts.id", primary_key=True, ondelete="CASCADE"),
    ref("sku_id", "skus.id", primary_key=True),
    Column("expected", Integer),
    Column("counted", Integer),
    Column("variance", Integer),
)


# ---------------------------------------------------------------- store rejections (0015)

# Units of picks rejected with a reason code (oms.stores.rejections), for the ops' analytics.
pick_rejections = Table(
    "pick_rejections",
    metadata,
    Column("id", BigIntPk, primary_key=True, autoincrement=True),
    ref("pick_id", "picks.id", ondelete="CASCADE"),
    ref("order_id", "orders.id", ondelete="CASCADE"),
    ref("node_id", "nodes.id"),
    Column("order_line_id", String(64), nullable=False),
    ref("sku_id", "skus.id"),
    Column("qty", Integer, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("collateral", Boolean, nullable=False),
    created_at(),
    Index("ix_pick_rejections_created_at", "created_at"),
)


# ---------------------------------------------------------------- the store counter (0016)

# The parcels a shipment left in (oms.stores.counter_model.Parcel), numbered from 1: the
# shipment's own tracking number and carrier are its first parcel's.
shipment_parcels = Table(
    "shipment_parcels",
    metadata,
    ref("shipment_id", "shipments.id", primary_key=True, ondelete="CASCADE"),
    Column("parcel_no", Integer, primary_key=True, autoincrement=False),
    Column("carrier", String(64), nullable=False),
    Column("tracking", String(200), nullable=False),
    Column("weight_g", Integer),
    created_at(),
    CheckConstraint("parcel_no > 0", name="parcel_no_positive"),
    CheckConstraint("weight_g IS NULL OR weight_g > 0", name="weight_positive"),
)

# Expired pickups whose units are still to go back on the shelf, per store (a work queue: a row
# is added when a pickup expires, and goes when the store puts its units back).
pickups_to_reshelve = Table(
    "pickups_to_reshelve",
    metadata,
    ref("order_id", "orders.id", primary_key=True, ondelete="CASCADE"),
    ref("node_id", "nodes.id"),
    Column("expired_at", UtcDateTime(), nullable=False),
    Column("released", JsonType, nullable=False),
    Index("ix_pickups_to_reshelve_node_id", "node_id", "expired_at"),
)

# ---------------------------------------------------------------- job leases (0019)

# A named lock shared by every process (one re-optimisation at a time): taken by a conditional
# UPDATE (free, or expired) or an INSERT, the same on SQLite and PostgreSQL.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)
