"""Shipments and pickups after picking: ship, deliver, ready for pickup, collect, expire.

Stock follows the units: a shipment that leaves a node commits its held units there (on_hand and
reserved both fall); a transfer that reaches the pickup store is received and held there, so a
ready pickup order always holds its units at the store: collecting commits them, expiry gives
them back to ATP."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.db import ledger, legacy_events
from oms.domain.errors import ConflictError, NotFoundError
from oms.domain.events import Aggregate
from oms.inventory.model import Node
from oms.notifications.model import Notification
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Refund,
    Shipment,
    ShipmentStatus,
)
from oms.orders.queries import get_order
from oms.promise import pickup_expires_at
from oms.promise.nodes import node_info
from oms.stores import slots
from oms.stores.model import Pick, PickStatus

LIVE = (ShipmentStatus.CREATED, ShipmentStatus.PICKED, ShipmentStatus.SHIPPED)


def get_shipment(session: Session, shipment_id: str) -> Shipment:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFoundError(f'shipment "{shipment_id}" does not exist')
    return shipment


def _rows(
    session: Session, shipment: Shipment, node: str | None = None
) -> list[tuple[str, str, int]]:
    found = session.execute(
        select(OrderLine.sku_id, Allocation.qty)
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .where(Allocation.shipment_id == shipment.id)
    ).all()
    return [(node or shipment.node_id, sku, qty) for sku, qty in found]


def _shipments(session: Session, order_id: str) -> list[Shipment]:
    return list(session.scalars(select(Shipment).where(Shipment.order_id == order_id)))


def picked(session: Session, order: Order, shipment: Shipment, now: datetime) -> None:
    """A confirmed pick: its shipment is ready to leave (or, at the pickup store, to collect)."""
    if not _rows(session, shipment):  # every unit was short: nothing left to send
        shipment.status = ShipmentStatus.CANCELLED
    else:
        shipment.status = ShipmentStatus.PICKED
    _maybe_ready(session, order, now)


def ship(
    session: Session, shipment_id: str, tracking: str, now: datetime | None = None
) -> Shipment:
    now = now or datetime.now(UTC)
    shipment = get_shipment(session, shipment_id)
    order = get_order(legacy_events.uow_of(session), shipment.order_id)
    if shipment.status not in (ShipmentStatus.CREATED, ShipmentStatus.PICKED):
        raise ConflictError(f'shipment "{shipment_id}" is {shipment.status.value}: it cannot ship')
    if _open_pick(session, shipment):
        raise ConflictError(f'shipment "{shipment_id}" is not picked yet: confirm its pick first')
    if order.method is DeliveryMethod.PICKUP and shipment.node_id == order.pickup_node:
        raise ConflictError(f'shipment "{shipment_id}" is collected at its store, not shipped')
    ledger.commit_shipment(session, _rows(session, shipment), ref=order.id)
    shipment.status, shipment.tracking, shipment.shipped_at = ShipmentStatus.SHIPPED, tracking, now
    legacy_events.record(
        session,
        "Shipped",
        Aggregate.ORDER,
        order.id,
        {"shipment": shipment.id, "tracking": tracking},
    )
    live = [s for s in _shipments(session, order.id) if s.status is not ShipmentStatus.CANCELLED]
    if order.method is DeliveryMethod.SHIP and all(
        s.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED) for s in live
    ):
        order.status = transition(order.status, OrderStatus.SHIPPED)
        _set_lines(session, order, OrderLineStatus.SHIPPED)
    return shipment


def deliver(session: Session, shipment_id: str, now: datetime | None = None) -> Shipment:
    """At the customer's door; for a pickup order's transfer, at the store (received there)."""
    now = now or datetime.now(UTC)
    shipment = get_shipment(session, shipment_id)
    order = get_order(legacy_events.uow_of(session), shipment.order_id)
    if shipment.status is not ShipmentStatus.SHIPPED:
        raise ConflictError(f'shipment "{shipment_id}" is {shipment.status.value}, not shipped')
    shipment.status, shipment.delivered_at = ShipmentStatus.DELIVERED, now
    legacy_events.record(session, "Delivered", Aggregate.ORDER, order.id, {"shipment": shipment.id})
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        rows = _rows(session, shipment, node=order.pickup_node)
        for node, sku, qty in rows:
            ledger.receive(session, node, sku, qty, ref=order.id)
        ledger.hold_or_raise(session, rows, ref=order.id)
        _maybe_ready(session, order, now)
        return shipment
    live = [s for s in _shipments(session, order.id) if s.status is not ShipmentStatus.CANCELLED]
    if order.status is OrderStatus.SHIPPED and all(
        s.status is ShipmentStatus.DELIVERED for s in live
    ):
        order.status = transition(order.status, OrderStatus.DELIVERED)
    return shipment


def _open_pick(session: Session, shipment: Shipment) -> bool:
    return (
        session.scalar(
            select(Pick.id).where(Pick.shipment_id == shipment.id, Pick.status == PickStatus.OPEN)
        )
        is not None
    )


def _maybe_ready(session: Session, order: Order, now: datetime) -> None:
    """A pickup order whose every unit is at its store (picked there or delivered there)."""
    if order.method is not DeliveryMethod.PICKUP or order.pickup_node is None:
        return
    live = [s for s in _shipments(session, order.id) if s.status is not ShipmentStatus.CANCELLED]
    at_store = all(
        (s.node_id == order.pickup_node and s.status is ShipmentStatus.PICKED)
        or (s.node_id != order.pickup_node and s.status is ShipmentStatus.DELIVERED)
        for s in live
    )
    if not live or not at_store or order.status is OrderStatus.READY_FOR_PICKUP:
        return
    order.status = transition(order.status, OrderStatus.READY_FOR_PICKUP)
    store = session.get(Node, order.pickup_node)
    assert store is not None
    order.ready_at = now
    order.expires_at = pickup_expires_at(node_info(store).calendar, now)
    payload = {
        "store": store.id,
        "ready_at": now.isoformat(),
        "expires_at": order.expires_at.isoformat(),
    }
    session.add(
        Notification(order_id=order.id, kind="ready_for_pickup", channel="email", payload=payload)
    )
    legacy_events.record(session, "ReadyForPickup", Aggregate.ORDER, order.id, payload)


def collect(session: Session, order_id: str, now: datetime | None = None) -> Order:
    now = now or datetime.now(UTC)
    order = get_order(legacy_events.uow_of(session), order_id)
    if order.method is not DeliveryMethod.PICKUP or order.pickup_node is None:
        raise ConflictError(f'order "{order_id}" is shipped, not collected')
    order.status = transition(order.status, OrderStatus.COLLECTED)
    for s in _shipments(session, order.id):
        if s.status is not ShipmentStatus.CANCELLED:
            ledger.commit_shipment(session, _rows(session, s, node=order.pickup_node), ref=order.id)
            s.status, s.delivered_at = ShipmentStatus.COLLECTED, now
    _set_lines(session, order, OrderLineStatus.COLLECTED)
    legacy_events.record(
        session, "Collected", Aggregate.ORDER, order.id, {"store": order.pickup_node}
    )
    return order


def expire_pickups(session: Session, now: datetime | None = None) -> int:
    """Ready orders not collected by the end of their hold: units back to ATP at the store,
    lines cancelled and refunded, the slot freed, the customer told."""
    now = now or datetime.now(UTC)
    # Locked as read, skipping those a collection (or another worker's sweeper) holds.
    due = session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.READY_FOR_PICKUP, Order.expires_at <= now)
        .with_for_update(skip_locked=True)
    ).all()
    for order in due:
        _expire(session, order)
    return len(due)


def _expire(session: Session, order: Order) -> None:
    assert order.pickup_node is not None
    order.status = transition(order.status, OrderStatus.EXPIRED)
    rows: list[tuple[str, str, int]] = []
    for s in _shipments(session, order.id):
        if s.status is not ShipmentStatus.CANCELLED:
            rows += _rows(session, s, node=order.pickup_node)
            s.status = ShipmentStatus.CANCELLED
    ledger.release(session, rows, ref=order.id)
    refunds = _refund_lines(session, order, _live_lines(session, order), "pickup not collected")
    slots.free(session, order.slot_id)
    session.add(
        Notification(
            order_id=order.id, kind="pickup_expired", channel="email", payload={"refunds": refunds}
        )
    )
    legacy_events.record(
        session,
        "PickupExpired",
        Aggregate.ORDER,
        order.id,
        {"released": [list(r) for r in rows], "refunds": refunds},
    )


def _live_lines(session: Session, order: Order) -> list[OrderLine]:
    return [
        ln
        for ln in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
        if ln.status is not OrderLineStatus.CANCELLED
    ]


def _refund_lines(
    session: Session, order: Order, lines: Iterable[OrderLine], reason: str
) -> list[dict[str, object]]:
    refunds: list[dict[str, object]] = []
    for ln in lines:
        units = sum(
            session.scalars(select(Allocation.qty).where(Allocation.order_line_id == ln.id))
        )
        ln.status = OrderLineStatus.CANCELLED
        amount = ln.price_minor * units
        if amount <= 0:
            continue
        session.add(
            Refund(
                id="RF-" + uuid.uuid4().hex[:10].upper(),
                order_id=order.id,
                order_line_id=ln.id,
                amount_minor=amount,
                currency=order.currency,
                reason=reason,
            )
        )
        refunds.append({"line": ln.id, "amount_minor": amount})
    return refunds


def _set_lines(session: Session, order: Order, status: OrderLineStatus) -> None:
    for ln in _live_lines(session, order):
        ln.status = status
