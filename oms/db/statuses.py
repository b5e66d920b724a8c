"""Status and kind enumerations stored by the tables. Standard library only, so the domain may
import them; they live here until their owning contexts (orders, stores) take them over.

Columns store the string values as VARCHAR(32) without a database CHECK, so adding a status is a
code change, not a migration.
"""

from __future__ import annotations

from enum import StrEnum

from oms.orders.lifecycle import OrderStatus as _OrderStatus
from oms.promise.choice import DeliveryService as _DeliveryService


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    EXPIRED = "expired"
    CONVERTED = "converted"  # became an order; its units moved to the order's allocations


class DeliveryMethod(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"


# The order lifecycle owns its statuses (and which may follow which).
OrderStatus = _OrderStatus

# The promise owns the delivery services (standard, express, click_and_collect).
DeliveryService = _DeliveryService


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


class PickStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class ApiRole(StrEnum):
    CHECKOUT = "checkout"
    OPS = "ops"
    STORE = "store"


class Aggregate(StrEnum):
    """What an event is about (events.aggregate)."""

    ORDER = "order"
    RESERVATION = "reservation"
    INVENTORY = "inventory"
    NODE = "node"
    SKU = "sku"
    SHIPMENT = "shipment"
    PICK = "pick"
    RETURN = "return"
