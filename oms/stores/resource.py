"""A short pick: the shelf lacked units. The store's count is corrected (the missing units were
never there), and the sourcing engine sends them to the next-best node, with a new shipment and
its promise (the one promise-date rule, for the order's service). Units no node can supply are
refunded. Nothing is lost or counted twice: every missing unit is either held elsewhere or
refunded, in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from oms.db import ledger, legacy_events
from oms.domain.events import Aggregate
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
from oms.orders.promises import order_shipment_promise
from oms.promise.option_dates import MinuteDates
from oms.promise.service import NetworkCache, snapshot_cart
from oms.sourcing.network import Network
from oms.stores.model import PickLine


def short_pick(
    session: Session,
    cache: NetworkCache,
    order: Order,
    shipment: Shipment,
    lines: list[PickLine],
    now: datetime,
) -> None:
    """Correct the shelf for each short line, then source all their missing units together
    (one new shipment per node, as for any order)."""
    node = shipment.node_id
    wanted: list[tuple[str, str, int]] = []  # (order line, sku, missing)
    for line in lines:
        assert line.picked is not None
        missing, sku = line.qty - line.picked, line.sku_id
        ledger.release(session, [(node, sku, missing)], ref=order.id)
        ledger.adjust(
            session, node, sku, -missing, reason=f"short pick {line.pick_id} ({order.id})"
        )
        _shrink_allocation(session, line.order_line_id, shipment.id, missing)
        legacy_events.record(
            session,
            "ShortPicked",
            Aggregate.ORDER,
            order.id,
            {"pick": line.pick_id, "line": line.order_line_id, "node": node, "missing": missing},
        )
        wanted.append((line.order_line_id, sku, missing))
    network, _ = cache.get(legacy_events.uow_of(session))
    placed = _resource(session, cache, network, order, [(s, q) for _, s, q in wanted], node)
    by_node: dict[str, list[tuple[str, int]]] = {}
    got = [0] * len(wanted)
    for j, new_node, qty in placed:
        by_node.setdefault(new_node, []).append((wanted[j][0], qty))
        got[j] += qty
    dates = cache.dates(network).at(now)
    for new_node, allocs in sorted(by_node.items()):
        _allocate(session, dates, order, new_node, allocs)
    for (line_id, _, missing), n in zip(wanted, got, strict=True):
        if n < missing:
            _refund_unfilled(session, order, line_id, missing - n)
    if order.status is OrderStatus.PICKING:
        order.status = transition(order.status, OrderStatus.ALLOCATED)
    from oms.stores.picks import release_picks  # picks import this module

    release_picks(session, order)


def _shrink_allocation(session: Session, line_id: str, shipment_id: str, missing: int) -> None:
    alloc = session.scalars(
        select(Allocation).where(
            Allocation.order_line_id == line_id, Allocation.shipment_id == shipment_id
        )
    ).one()
    if alloc.qty == missing:
        session.execute(delete(Allocation).where(Allocation.id == alloc.id))
    else:
        alloc.qty -= missing


def _resource(
    session: Session,
    cache: NetworkCache,
    network: Network,
    order: Order,
    cart: list[tuple[str, int]],
    exclude: str,
) -> list[tuple[int, str, int]]:
    """Where the engine sends the cart's units now, held, as (cart line, node, qty); [] when
    nowhere has them. Two tries: a checkout may take the stock between snapshot and hold."""
    store = -1
    lat, lon = order.dest_lat, order.dest_lon
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        store = network.index[order.pickup_node]
        lat, lon = network.nodes[store].lat, network.nodes[store].lon
    assert lat is not None and lon is not None
    for _ in range(2):
        snap = snapshot_cart(legacy_events.uow_of(session), cache, cart, lat, lon)
        snap.stock[:, network.index[exclude]] = 0  # not back to the shelf that lacked them
        c = snap.cart
        d = snap.sourcer.source_order(
            snap.stock, snap.capacity, c.sku_index, c.qty, c.lat, c.lon, pickup_node=store
        )
        placed = [
            (int(j), network.nodes[int(n)].id, int(q))
            for j, n, q in zip(d.line, d.node, d.qty, strict=True)
        ]
        rows = [(n, cart[j][0], q) for j, n, q in placed]
        if not rows or not ledger.hold(session, rows, ref=order.id):
            return placed
    return []


def _allocate(
    session: Session,
    dates: MinuteDates,
    order: Order,
    node_id: str,
    allocs: list[tuple[str, int]],
) -> None:
    """One new shipment at ``node_id`` carrying the re-sourced units of these lines."""
    count = session.scalar(select(func.count()).where(Shipment.order_id == order.id)) or 0
    shipment = Shipment(
        id=f"{order.id}-S{count + 1}",
        order_id=order.id,
        node_id=node_id,
        status=ShipmentStatus.CREATED,
        promised_at=order_shipment_promise(dates, order, node_id),  # the order's service
    )
    session.add(shipment)
    session.flush()
    session.add_all(
        Allocation(order_line_id=line_id, node_id=node_id, qty=qty, shipment_id=shipment.id)
        for line_id, qty in allocs
    )
    session.flush()
    legacy_events.record(
        session,
        "Resourced",
        Aggregate.ORDER,
        order.id,
        {
            "lines": dict(allocs),
            "node": node_id,
            "shipment": shipment.id,
            "promised_at": shipment.promised_at.isoformat() if shipment.promised_at else None,
        },
    )


def _refund_unfilled(session: Session, order: Order, line_id: str, units: int) -> None:
    line = session.get(OrderLine, line_id)
    assert line is not None
    if line.price_minor > 0:
        session.add(
            Refund(
                id="RF-" + uuid.uuid4().hex[:10].upper(),
                order_id=order.id,
                order_line_id=line_id,
                amount_minor=line.price_minor * units,
                currency=order.currency,
                reason="short pick: no node can supply",
            )
        )
    left = session.scalar(
        select(func.coalesce(func.sum(Allocation.qty), 0)).where(
            Allocation.order_line_id == line_id
        )
    )
    if not left:
        line.status = OrderLineStatus.CANCELLED
    legacy_events.record(
        session,
        "LineShort",
        Aggregate.ORDER,
        order.id,
        {"line": line_id, "units": units, "refund_minor": line.price_minor * units},
    )
