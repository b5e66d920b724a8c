"""What GET /v1/orders/{id} shows: status, lines with allocations, shipments with their promise,
picks, refunds, notifications and the event history. One read per kind of row, as before."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oms.domain.events import Aggregate
from oms.orders.model import Order, OrderLine, Shipment, ShipmentStatus
from oms.orders.ports import OrderViewSource
from oms.orders.promises import promise_view


@dataclass(frozen=True)
class AllocationView:
    node: str
    qty: int
    shipment: str | None


@dataclass(frozen=True)
class LineView:
    id: str
    sku: str
    qty: int
    status: str
    price_minor: int
    allocations: list[AllocationView]


@dataclass(frozen=True)
class ShipmentView:
    id: str
    node: str
    status: str
    tracking: str | None
    promised_at: str | None
    shipped_at: str | None
    delivered_at: str | None


@dataclass(frozen=True)
class PickRef:
    id: str
    node: str
    shipment: str
    status: str


@dataclass(frozen=True)
class RefundView:
    id: str
    line: str | None
    amount_minor: int
    reason: str


@dataclass(frozen=True)
class NotificationView:
    kind: str
    channel: str
    at: str
    status: str  # pending, sent, failed, skipped (oms.notifications)
    sent_at: str | None


@dataclass(frozen=True)
class EventView:
    type: str
    at: str
    data: Any


@dataclass(frozen=True)
class Destination:
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class OrderView:
    id: str
    status: str
    channel: str
    method: str
    service: str
    pickup_node: str | None
    slot_id: str | None
    destination: Destination | None
    reservation_id: str | None
    discount_minor: int
    shipping_minor: int
    promise: dict[str, str] | None
    ready_at: str | None
    expires_at: str | None
    lines: list[LineView]
    shipments: list[ShipmentView]
    picks: list[PickRef]
    refunds: list[RefundView]
    notifications: list[NotificationView]
    events: list[EventView]


def order_view(uow: OrderViewSource, order: Order) -> OrderView:
    shipments = uow.shipments.list_by(order_id=order.id, order_by="id")
    dest = None if order.dest_lat is None else Destination(order.dest_lat, order.dest_lon)
    return OrderView(
        id=order.id,
        status=order.status.value,
        channel=order.channel,
        method=order.method.value,
        service=order.service.value,
        pickup_node=order.pickup_node,
        slot_id=order.slot_id,
        destination=dest,
        reservation_id=order.reservation_id,
        discount_minor=order.discount_minor,
        shipping_minor=order.shipping_minor,
        promise=_promise(order, shipments),
        ready_at=_iso(order.ready_at),
        expires_at=_iso(order.expires_at),
        lines=_lines(uow, order),
        shipments=[_shipment(s) for s in shipments],
        picks=_picks(uow, order),
        refunds=_refunds(uow, order),
        notifications=_notifications(uow, order),
        events=_events(uow, order),
    )


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _promise(order: Order, shipments: list[Shipment]) -> dict[str, str] | None:
    """The order's promise: its live shipments' latest."""
    live = [s.promised_at for s in shipments if s.status is not ShipmentStatus.CANCELLED]
    return promise_view(order, [p for p in live if p is not None])


def _lines(uow: OrderViewSource, order: Order) -> list[LineView]:
    lines = uow.order_lines.list_by(order_id=order.id, order_by="line_no")
    allocations: dict[str, list[AllocationView]] = defaultdict(list)
    for a in uow.allocations.list_by(order_line_id=[ln.id for ln in lines], order_by="id"):
        allocations[a.order_line_id].append(AllocationView(a.node_id, a.qty, a.shipment_id))
    return [_line(ln, allocations[ln.id]) for ln in lines]


def _line(ln: OrderLine, allocations: list[AllocationView]) -> LineView:
    return LineView(ln.id, ln.sku_id, ln.qty, ln.status.value, ln.price_minor, allocations)


def _shipment(s: Shipment) -> ShipmentView:
    return ShipmentView(
        id=s.id,
        node=s.node_id,
        status=s.status.value,
        tracking=s.tracking,
        promised_at=_iso(s.promised_at),
        shipped_at=_iso(s.shipped_at),
        delivered_at=_iso(s.delivered_at),
    )


def _picks(uow: OrderViewSource, order: Order) -> list[PickRef]:
    picks = uow.picks.list_by(order_id=order.id, order_by="id")
    return [PickRef(p.id, p.node_id, p.shipment_id, str(p.status.value)) for p in picks]


def _refunds(uow: OrderViewSource, order: Order) -> list[RefundView]:
    refunds = uow.refunds.list_by(order_id=order.id, order_by="created_at")
    return [RefundView(r.id, r.order_line_id, r.amount_minor, r.reason) for r in refunds]


def _notifications(uow: OrderViewSource, order: Order) -> list[NotificationView]:
    found = uow.notifications.list_by(order_id=order.id, order_by="id")
    return [
        NotificationView(n.kind, n.channel, n.created_at.isoformat(), n.status, _iso(n.sent_at))
        for n in found
    ]


def _events(uow: OrderViewSource, order: Order) -> list[EventView]:
    history = uow.events.history(Aggregate.ORDER, order.id)
    return [EventView(e.type, e.occurred_at.isoformat(), e.payload) for e in history]
