"""What GET /v1/orders/{id} shows: status, lines with allocations, shipments with their promise,
picks, refunds, notifications and the event history. One read per kind of row, as before."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oms.domain.events import Aggregate
from oms.orders.model import Order, OrderLine, Shipment, ShipmentStatus
from oms.orders.ports import OrderViewSource
from oms.orders.promises import promise_view
from oms.orders.tracking import TrackingEvent, counting, in_order, tracking_status


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
class TrackingEntryView:
    """One entry of a shipment's tracking history, as it happened (``counts``: whether it
    moved the tracking status; a late entry that would step back does not)."""

    id: int
    status: str
    occurred_at: str
    location: str | None
    description: str | None
    carrier_event_id: str | None
    source: str
    counts: bool


@dataclass(frozen=True)
class ShipmentView:
    id: str
    node: str
    status: str
    tracking: str | None  # the tracking number
    promised_at: str | None
    shipped_at: str | None
    delivered_at: str | None
    carrier: str | None = None
    tracking_url: str | None = None
    tracking_status: str | None = None
    history: list[TrackingEntryView] = field(default_factory=list)


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
    # Who and where, as the order keeps them (a snapshot).
    customer_id: str | None = None
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    locale: str | None = None
    address: dict[str, Any] | None = None
    located_by: str | None = None


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
        shipments=shipments_with_history(uow, shipments),
        picks=_picks(uow, order),
        refunds=_refunds(uow, order),
        notifications=_notifications(uow, order),
        events=_events(uow, order),
        customer_id=order.customer_id,
        email=order.email,
        name=order.customer_name,
        phone=order.phone,
        locale=order.locale,
        address=order.address,
        located_by=order.located_by,
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


def shipments_with_history(uow: OrderViewSource, shipments: list[Shipment]) -> list[ShipmentView]:
    """The shipments with their tracking histories (one read for all of them)."""
    histories: dict[str, list[TrackingEvent]] = defaultdict(list)
    if shipments:
        for e in uow.tracking_events.list_by(shipment_id=[s.id for s in shipments]):
            histories[e.shipment_id].append(e)
    return [shipment_view(s, histories[s.id]) for s in shipments]


def shipment_view(s: Shipment, history: list[TrackingEvent]) -> ShipmentView:
    return ShipmentView(
        id=s.id,
        node=s.node_id,
        status=s.status.value,
        tracking=s.tracking,
        promised_at=_iso(s.promised_at),
        shipped_at=_iso(s.shipped_at),
        delivered_at=_iso(s.delivered_at),
        carrier=s.carrier,
        tracking_url=s.tracking_url,
        tracking_status=_status(history),
        history=history_view(history),
    )


def _status(history: list[TrackingEvent]) -> str | None:
    status = tracking_status(history)
    return None if status is None else status.value


def history_view(history: list[TrackingEvent]) -> list[TrackingEntryView]:
    """The entries as they happened, each saying whether it counts."""
    ordered = in_order(history)
    return [
        TrackingEntryView(
            id=e.id or 0,
            status=str(e.status),
            occurred_at=e.occurred_at.isoformat(),
            location=e.location,
            description=e.description,
            carrier_event_id=e.carrier_event_id,
            source=str(e.source),
            counts=counts,
        )
        for e, counts in zip(ordered, counting(ordered), strict=True)
    ]


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
