"""The OMS schema: SQLAlchemy 2 typed mapping, portable across SQLite and PostgreSQL.

Money is integer minor units; quantities are integers; statuses are StrEnums stored as strings;
timestamps are aware UTC. The migration ``0001_initial`` creates exactly these tables, and a test
compares the two so that they cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from oms.db.statuses import (
    Aggregate,
    ApiRole,
    DeliveryMethod,
    DeliveryService,
    OrderLineStatus,
    OrderStatus,
    ReservationStatus,
    ShipmentStatus,
)
from oms.db.types import BigIntPk, JsonType, UtcDateTime, str_enum, utcnow

# Named constraints: Alembic can only alter or drop what has a stable name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = Annotated[str, mapped_column(String(64))]
IdPk = Annotated[str, mapped_column(String(64), primary_key=True)]
Text = Annotated[str, mapped_column(String(200))]
Qty = Annotated[int, mapped_column(Integer)]
Counter = Annotated[int, mapped_column(Integer, default=0, server_default=text("0"))]
MinorUnits = Annotated[int, mapped_column(BigInteger)]
Currency = Annotated[str, mapped_column(String(3))]
Money = Annotated[float, mapped_column(Float)]  # sourcing costs: model weights, not prices
Coordinate = Annotated[float, mapped_column(Float)]
ClockTime = Annotated[str, mapped_column(String(5))]  # "HH:MM" in the node's time zone
Timestamp = Annotated[datetime, mapped_column(UtcDateTime())]
CreatedAt = Annotated[datetime, mapped_column(UtcDateTime(), default=utcnow)]
Json = Annotated[Any, mapped_column(JsonType)]
# Rows from before 0005 were given the service their method implies (click_and_collect for a
# pickup); a row written since always names its own.
ServiceColumn = Annotated[
    DeliveryService,
    mapped_column(
        str_enum(DeliveryService),
        default=DeliveryService.STANDARD,
        server_default=DeliveryService.STANDARD.value,
    ),
]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def node_fk(**kw: Any) -> ForeignKey:
    return ForeignKey("nodes.id", **kw)


class Node(Base):
    """A fulfilment node; its sourcing fields are the contract's (oms/sourcing/contract.py)."""

    __tablename__ = "nodes"

    id: Mapped[IdPk]
    kind: Mapped[Id]
    lat: Mapped[Coordinate]
    lon: Mapped[Coordinate]
    can_ship: Mapped[bool]
    can_pickup: Mapped[bool]
    capacity_units: Mapped[int | None]  # null: no limit
    handling_cost: Mapped[Money]
    shipment_cost: Mapped[Money]
    cost_per_km: Mapped[Money]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    cutoff_time: Mapped[ClockTime] = mapped_column(default="14:00")
    processing_days: Mapped[int] = mapped_column(default=0)
    # Weekdays the node works, Monday=0 ... Sunday=6, as a string of digits.
    open_days: Mapped[str] = mapped_column(String(7), default="01234")
    holidays: Mapped[Json] = mapped_column(default=list)  # ISO dates
    opens: Mapped[ClockTime] = mapped_column(default="09:00")
    closes: Mapped[ClockTime] = mapped_column(default="18:00")
    pick_lead_minutes: Mapped[int] = mapped_column(default=120)
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[CreatedAt]
    # Store operations (0002): the last units kept on the shelf for walk-in customers (the
    # default safety stock of the node's rows), days a ready pickup waits, returns accepted.
    store_protection: Mapped[Counter]
    hold_days: Mapped[int] = mapped_column(default=7, server_default=text("7"))
    accepts_returns: Mapped[bool] = mapped_column(default=False, server_default=false())


class Sku(Base):
    __tablename__ = "skus"

    id: Mapped[IdPk]
    name: Mapped[Text]
    price_minor: Mapped[MinorUnits]
    currency: Mapped[Currency]
    final_sale: Mapped[bool] = mapped_column(default=False)


class Inventory(Base):
    """The one source of truth for stock. Change it only through oms/db/ledger.py."""

    __tablename__ = "inventory"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_non_negative"),
        CheckConstraint("reserved >= 0", name="reserved_non_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_non_negative"),
        Index("ix_inventory_sku_id", "sku_id"),  # available() filters by SKU across nodes
    )

    node_id: Mapped[str] = mapped_column(String(64), node_fk(), primary_key=True)
    sku_id: Mapped[str] = mapped_column(String(64), ForeignKey("skus.id"), primary_key=True)
    on_hand: Mapped[Counter]
    reserved: Mapped[Counter]
    safety_stock: Mapped[Counter]
    version: Mapped[Counter]
    bin_location: Mapped[str | None] = mapped_column(String(32))  # where pickers find it


class Reservation(Base):
    __tablename__ = "reservations"
    __table_args__ = (Index("ix_reservations_status_expires_at", "status", "expires_at"),)

    id: Mapped[IdPk]  # a UUID
    # As the client sent it; uniqueness is per API key, in idempotency_keys (0004).
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[ReservationStatus] = mapped_column(str_enum(ReservationStatus))
    method: Mapped[DeliveryMethod] = mapped_column(str_enum(DeliveryMethod))
    pickup_node: Mapped[str | None] = mapped_column(String(64), node_fk())
    dest_lat: Mapped[Coordinate | None]
    dest_lon: Mapped[Coordinate | None]
    expires_at: Mapped[Timestamp]
    created_at: Mapped[CreatedAt]
    # sha256 of the canonical request: a replayed idempotency key with another body is refused.
    request_hash: Mapped[str | None] = mapped_column(String(64))
    slot_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("pickup_slots.id"))
    service: Mapped[ServiceColumn]  # the delivery service chosen (0005)


class ReservationLine(Base):
    __tablename__ = "reservation_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        # Reconciliation sums active reservations per stock item.
        Index("ix_reservation_lines_node_id_sku_id", "node_id", "sku_id"),
    )

    reservation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(primary_key=True)
    sku_id: Mapped[str] = mapped_column(String(64), ForeignKey("skus.id"))
    node_id: Mapped[str] = mapped_column(String(64), node_fk())
    qty: Mapped[Qty]


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_created_at", "status", "created_at"),)

    id: Mapped[IdPk]
    # As the client sent it; uniqueness is per API key, in idempotency_keys (0004).
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    channel: Mapped[Id]
    method: Mapped[DeliveryMethod] = mapped_column(str_enum(DeliveryMethod))
    dest_lat: Mapped[Coordinate | None]
    dest_lon: Mapped[Coordinate | None]
    destination: Mapped[Json | None]  # the postal address as given, for labels and display
    pickup_node: Mapped[str | None] = mapped_column(String(64), node_fk())
    reservation_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("reservations.id"))
    currency: Mapped[Currency]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[Counter]
    slot_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("pickup_slots.id"))
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # promised, then actual
    # What the customer paid beyond the lines (0003): refunds pro-rate and return them.
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    shipping_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # end of the pickup hold
    service: Mapped[ServiceColumn]  # the delivery service chosen (0005): its promise follows it


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    id: Mapped[IdPk]
    order_id: Mapped[str] = mapped_column(String(64), ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    sku_id: Mapped[str] = mapped_column(String(64), ForeignKey("skus.id"))
    qty: Mapped[Qty]
    price_minor: Mapped[MinorUnits]
    status: Mapped[OrderLineStatus] = mapped_column(str_enum(OrderLineStatus))


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (Index("ix_shipments_node_id_status", "node_id", "status"),)

    id: Mapped[IdPk]
    order_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[str] = mapped_column(String(64), node_fk())
    status: Mapped[ShipmentStatus] = mapped_column(str_enum(ShipmentStatus))
    tracking: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]
    promised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # delivery or ready
    shipped_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Allocation(Base):
    """Units of an order line taken at a node, and the shipment that carries them."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    id: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    order_line_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("order_lines.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[str] = mapped_column(String(64), node_fk())
    qty: Mapped[Qty]
    shipment_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("shipments.id"), index=True
    )


class Event(Base):
    """Append-only history, written in the same transaction as the change it records."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_aggregate", "aggregate", "aggregate_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    occurred_at: Mapped[CreatedAt]
    type: Mapped[str] = mapped_column(String(64))
    aggregate: Mapped[Aggregate] = mapped_column(str_enum(Aggregate))
    aggregate_id: Mapped[str] = mapped_column(String(200))
    payload: Mapped[Json]


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[IdPk]
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the key
    role: Mapped[ApiRole] = mapped_column(str_enum(ApiRole))
    node_id: Mapped[str | None] = mapped_column(String(64), node_fk())  # a store key's store
    created_at: Mapped[CreatedAt]
    revoked: Mapped[bool] = mapped_column(default=False)
    # Key lifecycle (0004): a label for people, an optional expiry, when it was revoked.
    name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class IdempotencyKey(Base):
    """An Idempotency-Key as one API key used it on one endpoint (Stripe's scoping).

    Inserted first in the transaction that does the work: a concurrent request with the same key
    waits on the primary key until the first commits, then finds the record and replays it."""

    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)  # the API key's id
    endpoint: Mapped[str] = mapped_column(String(64), primary_key=True)  # "orders", ...
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the canonical request
    resource_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]


class StoreSession(Base):
    """A signed-in store page: the cookie holds a random token, this row its hash."""

    __tablename__ = "store_sessions"
    __table_args__ = (Index("ix_store_sessions_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the token
    key_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[str] = mapped_column(String(64), node_fk())
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    expires_at: Mapped[Timestamp]


# The store-operations tables share this Base; importing them here registers them with it.
from oms.db import store_tables as _store_tables  # noqa: E402, F401
