"""Shipments and pickups after picking: ship, deliver, ready for pickup, collect, expire.

Stock follows the units: a shipment that leaves a node commits its held units there (on_hand and
reserved both fall); a transfer that reaches the pickup store is received and held there, so a
ready pickup order always holds its units at the store: collecting commits them, expiry gives
them back to ATP. A ready order gets a pickup code, which the store checks at handover. The
customer's messages are the notifications context's (its handlers of these events)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from oms.domain.errors import ConflictError, ForbiddenError, ValidationError
from oms.domain.events import Collected, Delivered, PickupExpired, ReadyForPickup, Shipped
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Refund,
    Shipment,
    ShipmentStatus,
)
from oms.orders.queries import get_order, order_nodes, require_own_store, require_store_sees
from oms.orders.tracking import tracking_url
from oms.orders.views import OrderView, order_view
from oms.promise import pickup_expires_at
from oms.promise.nodes import node_info
from oms.stores.model import PickStatus
from oms.stores.pickup_codes import check_pickup_code, new_pickup_code
from oms.stores.ports import StoresUnitOfWork
from oms.stores.shipments import live_lines, shipment_rows


def picked(uow: StoresUnitOfWork, order: Order, shipment: Shipment, now: datetime) -> None:
    """A confirmed pick: its shipment is ready to leave (or, at the pickup store, to collect)."""
    if not uow.allocations.list_by(shipment_id=shipment.id):  # every unit was short
        shipment.status = ShipmentStatus.CANCELLED
    else:
        shipment.status = ShipmentStatus.PICKED
    _maybe_ready(uow, order, now)


def ship(
    uow: StoresUnitOfWork,
    shipment_id: str,
    tracking: str,
    *,
    store: str | None = None,
    now: datetime | None = None,
    carrier: str | None = None,
) -> OrderView:
    """The shipment leaves its node (``store``: the caller's, which must be that node) with its
    tracking number, and ``carrier`` when known (its tracking page follows from it)."""
    order = shipped(uow, shipment_id, tracking, store=store, now=now, carrier=carrier)
    return _committed_view(uow, order)


def shipped(
    uow: StoresUnitOfWork,
    shipment_id: str,
    tracking: str,
    *,
    store: str | None = None,
    now: datetime | None = None,
    carrier: str | None = None,
) -> Order:
    """``ship`` without the commit (packing records the parcels in the same transaction)."""
    now = now or datetime.now(UTC)
    shipment = uow.shipments.get(shipment_id)
    require_own_store(store, shipment.node_id)
    order = get_order(uow, shipment.order_id)
    if shipment.status not in (ShipmentStatus.CREATED, ShipmentStatus.PICKED):
        raise ConflictError(f'shipment "{shipment_id}" is {shipment.status.value}: it cannot ship')
    if uow.picks.list_by(shipment_id=shipment.id, status=PickStatus.OPEN):
        raise ConflictError(f'shipment "{shipment_id}" is not picked yet: confirm its pick first')
    if order.method is DeliveryMethod.PICKUP and shipment.node_id == order.pickup_node:
        raise ConflictError(f'shipment "{shipment_id}" is collected at its store, not shipped')
    lines = live_lines(uow, order)  # read once: the rows' SKUs, and the lines shipped
    uow.stock.commit_shipment(shipment_rows(uow, shipment), ref=order.id)
    shipment.status, shipment.tracking, shipment.shipped_at = ShipmentStatus.SHIPPED, tracking, now
    if carrier is not None:
        shipment.carrier, shipment.tracking_url = carrier, tracking_url(carrier, tracking)
    uow.emit(Shipped(order_id=order.id, shipment=shipment.id, tracking=tracking))
    live = _live_shipments(uow, order)
    if order.method is DeliveryMethod.SHIP and all(
        s.status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED) for s in live
    ):
        order.status = transition(order.status, OrderStatus.SHIPPED)
        _set_lines(lines, OrderLineStatus.SHIPPED)
    return order


def deliver(uow: StoresUnitOfWork, shipment_id: str, now: datetime | None = None) -> OrderView:
    """At the customer's door; for a pickup order's transfer, at the store (received there)."""
    shipment = uow.shipments.get(shipment_id)
    order = get_order(uow, shipment.order_id)
    mark_delivered(uow, order, shipment, now or datetime.now(UTC))
    return _committed_view(uow, order)


def mark_delivered(uow: StoresUnitOfWork, order: Order, shipment: Shipment, now: datetime) -> None:
    """``deliver`` without the commit: a carrier's ``delivered`` tracking event comes this way."""
    if shipment.status is not ShipmentStatus.SHIPPED:
        raise ConflictError(f'shipment "{shipment.id}" is {shipment.status.value}, not shipped')
    shipment.status, shipment.delivered_at = ShipmentStatus.DELIVERED, now
    uow.emit(Delivered(order_id=order.id, shipment=shipment.id))
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        _received_at_store(uow, order, order.pickup_node, shipment)
        _maybe_ready(uow, order, now)
    elif order.status is OrderStatus.SHIPPED and all(
        s.status is ShipmentStatus.DELIVERED for s in _live_shipments(uow, order)
    ):
        order.status = transition(order.status, OrderStatus.DELIVERED)


def _received_at_store(uow: StoresUnitOfWork, order: Order, store: str, shipment: Shipment) -> None:
    """A transfer's units reach the pickup store: counted there, and held for the order."""
    rows = shipment_rows(uow, shipment, node=store)
    for node, sku, qty in rows:
        uow.stock.receive(node, sku, qty, ref=order.id)
    uow.stock.hold_or_raise(rows, ref=order.id)


def _live_shipments(uow: StoresUnitOfWork, order: Order) -> list[Shipment]:
    shipments = uow.shipments.list_by(order_id=order.id)
    return [s for s in shipments if s.status is not ShipmentStatus.CANCELLED]


def _maybe_ready(uow: StoresUnitOfWork, order: Order, now: datetime) -> None:
    """A pickup order whose every unit is at its store (picked there or delivered there)."""
    if order.method is not DeliveryMethod.PICKUP or order.pickup_node is None:
        return
    live = _live_shipments(uow, order)
    at_store = all(
        (s.node_id == order.pickup_node and s.status is ShipmentStatus.PICKED)
        or (s.node_id != order.pickup_node and s.status is ShipmentStatus.DELIVERED)
        for s in live
    )
    if not live or not at_store or order.status is OrderStatus.READY_FOR_PICKUP:
        return
    order.status = transition(order.status, OrderStatus.READY_FOR_PICKUP)
    store = uow.nodes.get(order.pickup_node)
    order.ready_at = now
    order.expires_at = pickup_expires_at(node_info(store).calendar, now)
    order.pickup_code = new_pickup_code()  # in the customer's message, checked at handover
    uow.emit(
        ReadyForPickup(
            order_id=order.id,
            store=store.id,
            ready_at=now.isoformat(),
            expires_at=order.expires_at.isoformat(),
        )
    )


def collect_order(
    uow: StoresUnitOfWork,
    order_id: str,
    store: str | None,
    now: datetime | None = None,
    *,
    pickup_code: str | None = None,
) -> OrderView:
    """The customer collects a ready pickup order at the store that holds it (``store``: the
    caller's, which must be the order's pickup store). ``pickup_code``: the code the customer
    shows, checked when given (a wrong one collects nothing)."""
    order = get_order(uow, order_id)
    require_store_sees(store, order_nodes(uow, order), f'order "{order_id}"')
    if store is not None and order.pickup_node is not None and order.pickup_node != store:
        raise ForbiddenError(f'order "{order_id}" is collected at {order.pickup_node}')
    if order.status is OrderStatus.READY_FOR_PICKUP:  # otherwise collecting is refused anyway
        check_pickup_code(order_id, order.pickup_code, pickup_code)
    _collect(uow, order, now or datetime.now(UTC))
    return _committed_view(uow, order)


def collect_refusing(
    uow: StoresUnitOfWork, order: Order, refused: Sequence[str], now: datetime
) -> list[dict[str, object]]:
    """A ready pickup collected less the lines (ids) its customer refused at the counter: their
    held units go back to stock at the store and they are refunded, as an expired pickup's
    lines are. The customer takes at least one line. The caller commits."""
    assert order.pickup_node is not None
    lines = {ln.id: ln for ln in live_lines(uow, order)}
    unknown = [
        f'refused: "{i}" is not a line of order "{order.id}"' for i in refused if i not in lines
    ]
    if unknown:
        raise ValidationError(unknown)
    refusing = [lines[i] for i in dict.fromkeys(refused)]
    if refusing and len(refusing) == len(lines):
        raise ValidationError(["refused: every line refused; the customer takes at least one"])
    rows = [(order.pickup_node, ln.sku_id, _units(uow, ln)) for ln in refusing]
    uow.stock.release([r for r in rows if r[2] > 0], ref=order.id)
    refunds = _refund_lines(uow, order, refusing, "refused at handover")
    _collect(uow, order, now)
    return refunds


def _units(uow: StoresUnitOfWork, line: OrderLine) -> int:
    return sum(a.qty for a in uow.allocations.list_by(order_line_id=line.id))


def _collect(uow: StoresUnitOfWork, order: Order, now: datetime) -> None:
    """The order's units leave the store with the customer."""
    if order.method is not DeliveryMethod.PICKUP or order.pickup_node is None:
        raise ConflictError(f'order "{order.id}" is shipped, not collected')
    order.status = transition(order.status, OrderStatus.COLLECTED)
    lines = live_lines(uow, order)  # read once: the rows' SKUs, and the lines collected
    for s in _live_shipments(uow, order):
        rows = shipment_rows(uow, s, node=order.pickup_node)
        uow.stock.commit_shipment(rows, ref=order.id)
        s.status, s.delivered_at = ShipmentStatus.COLLECTED, now
    _set_lines(lines, OrderLineStatus.COLLECTED)
    uow.emit(Collected(order_id=order.id, store=order.pickup_node))


def expire_pickups(uow: StoresUnitOfWork, now: datetime | None = None) -> int:
    """The sweeper's step: ready orders not collected by the end of their hold get their units
    back to ATP at the store, lines cancelled and refunded, the slot freed, the customer told.
    The caller commits (the sweep expires reservations in the same transaction)."""
    # Locked as read, skipping those a collection (or another worker's sweeper) holds.
    due = uow.orders.pickups_due(now or datetime.now(UTC))
    for order in due:
        _expire(uow, order)
    return len(due)


def _expire(uow: StoresUnitOfWork, order: Order) -> None:
    assert order.pickup_node is not None
    order.status = transition(order.status, OrderStatus.EXPIRED)
    lines = live_lines(uow, order)  # read once: the rows' SKUs, and the lines refunded
    rows: list[tuple[str, str, int]] = []
    for s in _live_shipments(uow, order):
        rows += shipment_rows(uow, s, node=order.pickup_node)
        s.status = ShipmentStatus.CANCELLED
    uow.stock.release(rows, ref=order.id)
    refunds = _refund_lines(uow, order, lines, "pickup not collected")
    if order.slot_id is not None:
        uow.slots.give_back(order.slot_id)
    released = [list(r) for r in rows]
    uow.emit(PickupExpired(order_id=order.id, released=released, refunds=refunds))


def _refund_lines(
    uow: StoresUnitOfWork, order: Order, lines: Iterable[OrderLine], reason: str
) -> list[dict[str, object]]:
    refunds: list[dict[str, object]] = []
    for ln in lines:
        units = _units(uow, ln)
        ln.status = OrderLineStatus.CANCELLED
        amount = ln.price_minor * units
        if amount <= 0:
            continue
        uow.refunds.add(
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


def _set_lines(lines: Iterable[OrderLine], status: OrderLineStatus) -> None:
    for ln in lines:
        ln.status = status


def _committed_view(uow: StoresUnitOfWork, order: Order) -> OrderView:
    view = order_view(uow, order)
    uow.commit()
    return view
