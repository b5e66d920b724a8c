"""Messages owed to the customer when something happens to their order (registered in
oms/handlers.py with the default language): each handler reads what the message needs and
queues it (``oms.notifications.queue``) in the transaction of the change; the mailer sends it
after commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from oms.domain import events as e
from oms.notifications.model import NotificationKind as Kind
from oms.notifications.ports import NotificationsUnitOfWork
from oms.notifications.queue import lines_data, order_lines, queue, sku_name

UoW = NotificationsUnitOfWork


def tell_order_confirmed(event: e.Sourced, uow: UoW, default_locale: str) -> None:
    """The order is taken: what was ordered."""
    order = uow.orders.get(event.order_id)
    lines = [(ln.sku_id, ln.qty, ln.qty * ln.price_minor) for ln in order_lines(uow, order.id)]
    total = sum(amount for _, _, amount in lines)
    data = {"lines": lines_data(uow, lines), "total_minor": total}
    queue(uow, order, Kind.ORDER_CONFIRMED, data, default_locale)


def tell_ready_for_pickup(event: e.ReadyForPickup, uow: UoW, default_locale: str) -> None:
    """The order waits at its store: the code to show there, and until when."""
    order = uow.orders.get(event.order_id)
    data = {"pickup_code": order.pickup_code, "expires_at": event.expires_at}
    queue(uow, order, Kind.READY_FOR_PICKUP, data, default_locale)


def tell_pickup_reminder(event: e.PickupReminded, uow: UoW, default_locale: str) -> None:
    """The hold ends soon: the same code, and the time left."""
    order = uow.orders.get(event.order_id)
    data = {"pickup_code": order.pickup_code, "expires_at": event.expires_at}
    queue(uow, order, Kind.PICKUP_REMINDER, data, default_locale)


def tell_pickup_expired(event: e.PickupExpired, uow: UoW, default_locale: str) -> None:
    """The order was not collected in time: what is refunded."""
    order = uow.orders.get(event.order_id)
    refunded = sum(int(r["amount_minor"]) for r in event.refunds)
    data = {"refunds": event.refunds, "refund_minor": refunded}
    queue(uow, order, Kind.PICKUP_EXPIRED, data, default_locale)


def tell_shipped(event: e.Shipped, uow: UoW, default_locale: str) -> None:
    """A parcel left for the customer: its tracking number, and link where there is one. (A
    pickup order's transfer to its store is no news to the customer: ready_for_pickup is.)"""
    order = uow.orders.get(event.order_id)
    if order.pickup_node is not None:
        return
    shipment = uow.shipments.get(event.shipment)
    data = {
        "shipment": shipment.id,
        "tracking": event.tracking,
        "carrier": shipment.carrier,
        "tracking_url": shipment.tracking_url,
    }
    queue(uow, order, Kind.SHIPPED, data, default_locale)


def tell_delivered(event: e.Delivered, uow: UoW, default_locale: str) -> None:
    """A parcel reached the customer (a transfer reaching the pickup store is not news)."""
    order = uow.orders.get(event.order_id)
    if order.pickup_node is not None:
        return
    queue(uow, order, Kind.DELIVERED, {"shipment": event.shipment}, default_locale)


def tell_order_cancelled(event: e.OrderCancelled, uow: UoW, default_locale: str) -> None:
    order = uow.orders.get(event.order_id)
    data = {"lines": _cancelled(uow, order.id, event.lines)}
    queue(uow, order, Kind.ORDER_CANCELLED, data, default_locale)


def tell_lines_cancelled(event: e.LinesCancelled, uow: UoW, default_locale: str) -> None:
    order = uow.orders.get(event.order_id)
    data = {"lines": _cancelled(uow, order.id, event.lines)}
    queue(uow, order, Kind.LINES_CANCELLED, data, default_locale)


def _cancelled(uow: UoW, order_id: str, line_ids: list[str]) -> list[Any]:
    lines = order_lines(uow, order_id, only=line_ids)
    return lines_data(uow, [(ln.sku_id, ln.qty, ln.qty * ln.price_minor) for ln in lines])


def tell_return_refunded(event: e.Refunded, uow: UoW, default_locale: str) -> None:
    """A return's refund (shipping included where it is given back)."""
    order = uow.orders.get(event.order_id)
    data = {
        "amount_minor": event.amount_minor,
        "shipping_minor": event.shipping_minor,
        "reason": "return",
        "return_id": event.return_id,
        "lines": [],
    }
    queue(uow, order, Kind.REFUND_ISSUED, data, default_locale)


def tell_line_short_refunded(event: e.LineShort, uow: UoW, default_locale: str) -> None:
    """Units no node could supply after a short pick: cancelled, and refunded."""
    if event.refund_minor <= 0:
        return
    order = uow.orders.get(event.order_id)
    line = uow.order_lines.get(event.line)
    data = {
        "amount_minor": event.refund_minor,
        "shipping_minor": 0,
        "reason": "unavailable",
        "return_id": None,
        "lines": lines_data(uow, [(line.sku_id, event.units, event.refund_minor)]),
    }
    queue(uow, order, Kind.REFUND_ISSUED, data, default_locale)


def tell_return_received(event: e.ReturnReceived, uow: UoW, default_locale: str) -> None:
    """The returned units arrived: which, before any refund."""
    order = uow.orders.get(event.order_id)
    lines = uow.return_lines.list_by(return_id=event.return_id, order_by="order_line_id")
    items = [{"sku": r.sku_id, "name": sku_name(uow, r.sku_id), "qty": r.qty} for r in lines]
    data = {"return_id": event.return_id, "lines": items}
    queue(uow, order, Kind.RETURN_RECEIVED, data, default_locale)


Tell = Callable[[Any, UoW, str], None]

# Which events owe the customer a message (oms/handlers.py registers them).
TELLS: Mapping[type[e.DomainEvent], Tell] = {
    e.Sourced: tell_order_confirmed,
    e.ReadyForPickup: tell_ready_for_pickup,
    e.PickupReminded: tell_pickup_reminder,
    e.PickupExpired: tell_pickup_expired,
    e.Shipped: tell_shipped,
    e.Delivered: tell_delivered,
    e.OrderCancelled: tell_order_cancelled,
    e.LinesCancelled: tell_lines_cancelled,
    e.Refunded: tell_return_refunded,
    e.LineShort: tell_line_short_refunded,
    e.ReturnReceived: tell_return_received,
}


def tellers(default_locale: str) -> dict[type[e.DomainEvent], Callable[[Any, Any], None]]:
    """The bus's handlers: each of ``TELLS`` with the default language bound."""

    def bound(tell: Tell) -> Callable[[Any, Any], None]:
        def handle(event: Any, uow: Any) -> None:
            tell(event, uow, default_locale)

        handle.__name__ = handle.__qualname__ = tell.__name__
        return handle

    return {kind: bound(tell) for kind, tell in TELLS.items()}
