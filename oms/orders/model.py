"""Reservations, orders, their lines, shipments and allocations, refunds: the orders context's
entities and their statuses. Plain classes; ``oms/db/orm.py`` maps them to their tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from oms.domain.events import utcnow
from oms.orders.lifecycle import OrderStatus
from oms.promise.choice import DeliveryService


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    EXPIRED = "expired"
    CONVERTED = "converted"  # became an order; its units moved to the order's allocations


class DeliveryMethod(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"


class OrderLineStatus(StrEnum):
    OPEN = "open"
    ALLOCATED = "allocated"
    PICKED = "picked"
    SHORT_PICKED = "short_picked"
    SHIPPED = "shipped"
    COLLECTED = "collected"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class ShipmentStatus(StrEnum):
    CREATED = "created"
    PICKING = "picking"
    PICKED = "picked"
    READY_FOR_PICKUP = "ready_for_pickup"
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # at the customer's door, or at the pickup store for a transfer
    COLLECTED = "collected"
    CANCELLED = "cancelled"


@dataclass(eq=False, kw_only=True)
class WhoAndWhere:
    """Who a reservation or order is for and where it goes (0009): the customer, or a guest's
    e-mail, and the postal address as given (a snapshot). ``located_by``: how dest_lat and
    dest_lon were found (oms.orders.recipients)."""

    customer_id: str | None = None
    email: str | None = None
    customer_name: str | None = None
    phone: str | None = None
    locale: str | None = None
    address: Any = None
    located_by: str | None = None


@dataclass(eq=False, kw_only=True)
class Reservation(WhoAndWhere):
    id: str  # a UUID
    status: ReservationStatus
    method: DeliveryMethod
    expires_at: datetime
    idempotency_key: str | None = None  # as sent; unique per API key in idempotency_keys
    pickup_node: str | None = None
    dest_lat: float | None = None
    dest_lon: float | None = None
    created_at: datetime = field(default_factory=utcnow)
    request_hash: str | None = None  # sha256 of the canonical request
    slot_id: str | None = None
    service: DeliveryService = DeliveryService.STANDARD


@dataclass(eq=False, kw_only=True)
class ReservationLine:
    reservation_id: str
    line_no: int
    sku_id: str
    node_id: str
    qty: int


@dataclass(eq=False, kw_only=True)
class Order(WhoAndWhere):
    id: str
    status: OrderStatus
    channel: str
    method: DeliveryMethod
    currency: str
    idempotency_key: str | None = None
    dest_lat: float | None = None
    dest_lon: float | None = None
    destination: Any = None  # the postal address as given, for labels and display
    pickup_node: str | None = None
    reservation_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    version: int = 0
    slot_id: str | None = None
    ready_at: datetime | None = None  # promised, then actual
    # What the customer paid beyond the lines: refunds pro-rate and return them.
    discount_minor: int = 0
    shipping_minor: int = 0
    expires_at: datetime | None = None  # end of the pickup hold
    service: DeliveryService = DeliveryService.STANDARD  # its promise follows it
    # A ready pickup's code, checked at handover (0012), and when the customer was reminded
    # that its hold ends.
    pickup_code: str | None = None
    reminded_at: datetime | None = None


@dataclass(eq=False, kw_only=True)
class OrderLine:
    id: str
    order_id: str
    line_no: int
    sku_id: str
    qty: int
    price_minor: int
    status: OrderLineStatus


@dataclass(eq=False, kw_only=True)
class Shipment:
    id: str
    order_id: str
    node_id: str
    status: ShipmentStatus
    tracking: str | None = None  # the carrier's tracking number
    created_at: datetime = field(default_factory=utcnow)
    promised_at: datetime | None = None  # delivery, or ready at the store
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    # Tracking (0011): who carries it, and where the customer follows it (given by the
    # carrier integration, or made from the carrier's known tracking page).
    carrier: str | None = None
    tracking_url: str | None = None


@dataclass(eq=False, kw_only=True)
class Allocation:
    """Units of an order line taken at a node, and the shipment that carries them."""

    order_line_id: str
    node_id: str
    qty: int
    shipment_id: str | None = None
    id: int | None = None


@dataclass(eq=False, kw_only=True)
class OrderNode:
    """A node an order involves, kept for order search (a read model, 0014): it supplied units
    of the order (``supplies``: an allocation was there), or it is the pickup store, or both.
    Never removed: a store that short-picked still involves the order for its staff, as its
    shipment, kept, does for the order's own page."""

    order_id: str
    node_id: str
    created_at: datetime  # the order's: a node's orders come in page order
    supplies: bool = False


@dataclass(eq=False, kw_only=True)
class Refund:
    """Money owed back to the customer, in minor units, and why."""

    id: str
    order_id: str
    amount_minor: int
    currency: str
    reason: str
    order_line_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    return_id: str | None = None


@dataclass(eq=False, kw_only=True)
class IdempotencyRecord:
    """An Idempotency-Key as one API key used it on one endpoint (Stripe's scoping)."""

    scope: str  # the API key's id
    endpoint: str  # "orders", "reservations"
    key: str
    request_hash: str
    resource_id: str
    created_at: datetime = field(default_factory=utcnow)
