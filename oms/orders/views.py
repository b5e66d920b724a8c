"""What GET /v1/orders/{id} shows: status, lines with allocations, shipments with their promise,
picks, refunds, notifications and the event history."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.db import legacy_events
from oms.domain.events import Aggregate
from oms.notifications.model import Notification
from oms.orders.model import Allocation, Order, OrderLine, Refund, Shipment, ShipmentStatus
from oms.orders.promises import promise_view
from oms.stores.model import Pick


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def order_view(session: Session, order: Order) -> dict[str, Any]:
    lines = list(
        session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.line_no)
        )
    )
    allocs = defaultdict(list)
    for a in session.scalars(
        select(Allocation)
        .where(Allocation.order_line_id.in_([ln.id for ln in lines]))
        .order_by(Allocation.id)
    ):
        allocs[a.order_line_id].append({"node": a.node_id, "qty": a.qty, "shipment": a.shipment_id})
    shipments = list(
        session.scalars(select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id))
    )
    live = [s.promised_at for s in shipments if s.status is not ShipmentStatus.CANCELLED]
    return {
        "id": order.id,
        "status": order.status.value,
        "channel": order.channel,
        "method": order.method.value,
        "service": order.service.value,
        "pickup_node": order.pickup_node,
        "slot_id": order.slot_id,
        "destination": None
        if order.dest_lat is None
        else {"lat": order.dest_lat, "lon": order.dest_lon},
        "reservation_id": order.reservation_id,
        "discount_minor": order.discount_minor,
        "shipping_minor": order.shipping_minor,
        "promise": promise_view(order, [p for p in live if p is not None]),
        "ready_at": _iso(order.ready_at),
        "expires_at": _iso(order.expires_at),
        "lines": [
            {
                "id": ln.id,
                "sku": ln.sku_id,
                "qty": ln.qty,
                "status": ln.status.value,
                "price_minor": ln.price_minor,
                "allocations": allocs[ln.id],
            }
            for ln in lines
        ],
        "shipments": [_shipment(s) for s in shipments],
        "picks": [
            {"id": p.id, "node": p.node_id, "shipment": p.shipment_id, "status": p.status.value}
            for p in session.scalars(
                select(Pick).where(Pick.order_id == order.id).order_by(Pick.id)
            )
        ],
        "refunds": [
            {
                "id": r.id,
                "line": r.order_line_id,
                "amount_minor": r.amount_minor,
                "reason": r.reason,
            }
            for r in session.scalars(
                select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at)
            )
        ],
        "notifications": [
            {"kind": n.kind, "channel": n.channel, "at": n.created_at.isoformat()}
            for n in session.scalars(
                select(Notification)
                .where(Notification.order_id == order.id)
                .order_by(Notification.id)
            )
        ],
        "events": [
            {"type": e.type, "at": e.occurred_at.isoformat(), "data": e.payload}
            for e in legacy_events.history(session, Aggregate.ORDER, order.id)
        ],
    }


def _shipment(s: Shipment) -> dict[str, Any]:
    return {
        "id": s.id,
        "node": s.node_id,
        "status": s.status.value,
        "tracking": s.tracking,
        "promised_at": _iso(s.promised_at),
        "shipped_at": _iso(s.shipped_at),
        "delivered_at": _iso(s.delivered_at),
    }
