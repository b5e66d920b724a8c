"""The public event catalogue: which domain events leave the system, under which type, with which
``data``. Integrators see these names (webhooks, the event feed); they are a public interface.

``data`` is the event's fields under their Python names (``return_id``, not the history's
``return``), with the aggregate's id first. Events of one order share an ordering key, so a
webhook endpoint receives them in the order they happened; other events are ordered per item.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from oms.domain import events as e

TYPES: dict[type[e.DomainEvent], str] = {
    e.OrderCreated: "order.created",
    e.Sourced: "order.sourced",
    e.Resourced: "order.resourced",
    e.OrderCancelled: "order.cancelled",
    e.LinesCancelled: "order.lines_cancelled",
    e.LineShort: "order.line_short",
    e.PickReleased: "order.pick_released",
    e.Picked: "order.picked",
    e.ShortPicked: "order.short_picked",
    e.ReadyForPickup: "order.ready_for_pickup",
    e.Collected: "order.collected",
    e.PickupExpired: "order.pickup_expired",
    e.Shipped: "order.shipped",
    e.Delivered: "order.delivered",
    e.Reserved: "reservation.created",
    e.ReservationResourced: "reservation.resourced",
    e.ReservationMoved: "reservation.moved",
    e.ReservationExpired: "reservation.expired",
    e.ReservationReleased: "reservation.released",
    e.ReturnRequested: "return.requested",
    e.ReturnReceived: "return.received",
    e.Restocked: "return.restocked",
    e.Refunded: "return.refunded",
    e.Exchanged: "return.exchanged",
    e.NodeAdded: "node.created",
    e.NodeUpdated: "node.updated",
    e.NodeEnabled: "node.enabled",
    e.NodeDisabled: "node.disabled",
    e.SkuPut: "sku.updated",
    e.StockChanged: "stock.changed",
    e.CustomerCreated: "customer.created",
    e.CustomerUpdated: "customer.updated",
    e.CustomerAddressAdded: "customer.address_added",
    e.OrderAttached: "order.customer_attached",
    e.CustomerErased: "customer.erased",
    # tracking
    e.ShipmentTracked: "shipment.tracking_updated",
    # customer notifications (oms.notifications)
    e.PickupReminded: "order.pickup_reminded",
    e.NotificationQueued: "customer.notification_queued",
    # store receiving (oms.stores.receiving)
    e.TransferReceived: "order.transfer_received",
    # stock counts at a store (oms.catalog.stock_counts)
    e.CountRequested: "store.count_requested",
    e.CountSubmitted: "store.count_submitted",
    e.CountApproved: "store.count_approved",
    e.CountRejected: "store.count_rejected",
    e.CountApplied: "store.count_applied",
    # store rejections (oms.stores.rejections)
    e.PickRejected: "order.pick_rejected",
    e.StoreCapacityChanged: "node.capacity_changed",
    # the store counter: pack and ship, handover, expired pickups
    e.ParcelsShipped: "order.parcels_shipped",
    e.HandedOver: "order.handed_over",
    e.PickupReshelved: "order.pickup_reshelved",
}

# Sent by POST /v1/webhooks/{id}/test only; never in the outbox.
TEST_EVENT = "webhook.test"

EVENT_TYPES: tuple[str, ...] = (*TYPES.values(), TEST_EVENT)


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One public event as the outbox keeps it (``position``: its place in commit order, given
    by the sequencer once it is committed; None until then)."""

    event_id: str
    type: str
    ordering_key: str
    data: dict[str, Any]
    occurred_at: datetime
    position: int | None = None

    def body(self) -> dict[str, Any]:
        """The JSON a receiver gets (Standard Webhooks' payload shape)."""
        return {
            "id": self.event_id,
            "type": self.type,
            "timestamp": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


def new_event_id() -> str:
    """``evt_`` and 32 hex digits: the millisecond first, so ids sort by time and the outbox's
    unique index takes new ids at its end, then 80 random bits."""
    return f"evt_{time.time_ns() // 1_000_000:012x}{secrets.randbits(80):020x}"


def event_id_prefix() -> str:
    """The first 26 hex digits of a batch of ids (a stock sync's): the millisecond and 56
    random bits; the batch adds a 6-digit counter."""
    return f"evt_{time.time_ns() // 1_000_000:012x}{secrets.randbits(56):014x}"


def message_of(event: e.DomainEvent, occurred_at: datetime) -> OutboxMessage | None:
    """The public event for a domain event, or None when it does not leave the system."""
    kind = TYPES.get(type(event))
    if kind is None:
        return None
    return OutboxMessage(new_event_id(), kind, ordering_key(event), data_of(event), occurred_at)


def ordering_key(event: e.DomainEvent) -> str:
    order_id = getattr(event, "order_id", None)
    if order_id is not None:
        return f"order:{order_id}"
    return f"{event.aggregate.value}:{event.aggregate_id}"


def data_of(event: e.DomainEvent) -> dict[str, Any]:
    if isinstance(event, e.StockChanged):
        return _stock_data(event)
    if isinstance(event, e.NodeAdded):
        return {"node_id": event.node_id, **event.fields}
    if isinstance(event, e.SkuPut):
        return {"sku_id": event.sku_id, **event.values}
    data = {f.name: getattr(event, f.name) for f in fields(event)}
    return {event.key: data.pop(event.key), **data}


def _stock_data(event: e.StockChanged) -> dict[str, Any]:
    change = event.change.name.lower()  # set, received, adjusted, reserved, released, shipped
    levels = {"on_hand": event.on_hand, "reserved": event.reserved}
    levels |= {"safety_stock": event.safety_stock, "atp": event.atp}
    head = {"node_id": event.node_id, "sku_id": event.sku_id, "change": change}
    return head | event.details | levels


# ------------------------------------------------------------------------ subscriptions


def prefixes() -> set[str]:
    return {kind.split(".", 1)[0] for kind in EVENT_TYPES}


def pattern_errors(patterns: list[str]) -> list[str]:
    """What is wrong with event type patterns: each is ``*``, an exact type of the catalogue,
    or a family wildcard such as ``order.*``."""
    known, families = set(EVENT_TYPES), prefixes()
    errors = []
    for pattern in patterns:
        if pattern == "*" or pattern in known:
            continue
        if pattern.endswith(".*") and pattern[:-2] in families:
            continue
        errors.append(f"{pattern!r} is not an event type, a family wildcard (order.*) or *")
    return errors


def matches(kind: str, patterns: list[str]) -> bool:
    """Whether an event type is one the patterns subscribe to."""
    for pattern in patterns:
        if pattern in ("*", kind):
            return True
        if pattern.endswith(".*") and kind.startswith(pattern[:-1]):
            return True
    return False
