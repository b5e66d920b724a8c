"""A short pick: the shelf lacked units. The store's count is corrected (the missing units were
never there), and the sourcing engine sends them to the next-best node, with a new shipment and
its promise (the one promise-date rule, for the order's service). Units no node can supply are
refunded; an order none of whose lines can be supplied is cancelled. Nothing is lost or counted
twice: every missing unit is either held elsewhere or refunded, in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from oms.domain.events import LineShort, OrderCancelled, Picked, Resourced, ShortPicked
from oms.orders.involved import involve
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
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
from oms.stores.pick_release import release_picks
from oms.stores.ports import StoresUnitOfWork

Missing = tuple[str, str, int]  # (order line, sku, units missing)


def resource_what_a_pick_missed(
    event: Picked, uow: StoresUnitOfWork, *, cache: NetworkCache
) -> None:
    """Handler of ``Picked`` (the bus gives it the app's network cache): the lines the pick
    found short are corrected on the shelf and their missing units sourced again."""
    pick = uow.picks.get(event.pick)
    lines = uow.pick_lines.list_by(pick_id=pick.id)
    shorts = [ln for ln in lines if ln.picked is not None and ln.picked < ln.qty]
    if shorts:
        order, shipment = uow.orders.get(event.order_id), uow.shipments.get(pick.shipment_id)
        assert pick.confirmed_at is not None  # set before the event is raised
        resource_short_lines(uow, cache, order, shipment, shorts, pick.confirmed_at)


def resource_short_lines(
    uow: StoresUnitOfWork,
    cache: NetworkCache,
    order: Order,
    shipment: Shipment,
    lines: list[PickLine],
    now: datetime,
) -> None:
    """Correct the shelf for each short line, then source all their missing units together
    (one new shipment per node, as for any order), refund what no node has, and release the
    picks of the new shipments at stores."""
    wanted = [_correct_shelf(uow, order, shipment, line) for line in lines]
    resource_units(uow, cache, order, wanted, shipment.node_id, now)


def resource_units(
    uow: StoresUnitOfWork,
    cache: NetworkCache,
    order: Order,
    wanted: list[Missing],
    exclude: str,
    now: datetime,
    *,
    reason: str = "short pick: no node can supply",
) -> None:
    """Source units that left their allocation at ``exclude`` (a short pick, a stock sync
    below what is reserved) from the other nodes: one new shipment per node; what no node has
    is cancelled and refunded (``reason``); the picks of new shipments at stores are released."""
    network, _ = cache.get(uow)
    cart = [(sku, missing) for _, sku, missing in wanted]
    placed = place_elsewhere(uow, cache, network, order, cart, exclude=exclude)
    by_node: dict[str, list[tuple[str, int]]] = {}
    got = [0] * len(wanted)
    for j, new_node, qty in placed:
        by_node.setdefault(new_node, []).append((wanted[j][0], qty))
        got[j] += qty
    dates = cache.dates(network).at(now)
    for new_node, allocs in sorted(by_node.items()):
        allocate_shipment(uow, dates, order, new_node, allocs)
    for (line_id, _, missing), n in zip(wanted, got, strict=True):
        if n < missing:
            _refund_unfilled(uow, order, line_id, missing - n, reason)
    if _nothing_left(uow, order):
        return
    if order.status is OrderStatus.PICKING:
        order.status = transition(order.status, OrderStatus.ALLOCATED)
    release_picks(uow, order)


def _nothing_left(uow: StoresUnitOfWork, order: Order) -> bool:
    """When no node could supply any line, the order is cancelled (its units were released
    and its lines refunded on the way here): ``OrderCancelled``, so its slot is freed too."""
    lines = uow.order_lines.list_by(order_id=order.id)
    if any(ln.status is not OrderLineStatus.CANCELLED for ln in lines):
        return False
    order.status = transition(order.status, OrderStatus.CANCELLED)
    for shipment in uow.shipments.list_by(order_id=order.id):
        shipment.status = ShipmentStatus.CANCELLED
    uow.emit(OrderCancelled(order_id=order.id, lines=[ln.id for ln in lines], released=[]))
    return True


def _correct_shelf(
    uow: StoresUnitOfWork, order: Order, shipment: Shipment, line: PickLine
) -> Missing:
    """The missing units were never on the shelf: no longer held there, nor counted there, nor
    carried by the shipment."""
    assert line.picked is not None
    node, missing, sku = shipment.node_id, line.qty - line.picked, line.sku_id
    uow.stock.release([(node, sku, missing)], ref=order.id)
    uow.stock.adjust(node, sku, -missing, reason=f"short pick {line.pick_id} ({order.id})")
    shrink_allocation(uow, line.order_line_id, shipment.id, missing)
    uow.emit(
        ShortPicked(
            order_id=order.id,
            pick=line.pick_id,
            line=line.order_line_id,
            node=node,
            missing=missing,
        )
    )
    return line.order_line_id, sku, missing


def shrink_allocation(uow: StoresUnitOfWork, line_id: str, shipment_id: str, missing: int) -> None:
    (alloc,) = uow.allocations.list_by(order_line_id=line_id, shipment_id=shipment_id)
    if alloc.qty == missing:
        uow.allocations.remove(alloc)
    else:
        alloc.qty -= missing


class Destination(Protocol):
    """Where units go: an order, or a reservation (the same fields)."""

    id: str
    method: DeliveryMethod
    pickup_node: str | None
    dest_lat: float | None
    dest_lon: float | None


def place_elsewhere(
    uow: StoresUnitOfWork,
    cache: NetworkCache,
    network: Network,
    order: Destination,
    cart: list[tuple[str, int]],
    exclude: str,
) -> list[tuple[int, str, int]]:
    """Where the engine sends the cart's units now, but not at ``exclude``, held (ref: the
    order's or reservation's id), as (cart line, node, qty); [] when nowhere has them. Two
    tries: a checkout may take the stock between snapshot and hold."""
    store = -1
    lat, lon = order.dest_lat, order.dest_lon
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        store = network.index[order.pickup_node]
        lat, lon = network.nodes[store].lat, network.nodes[store].lon
    assert lat is not None and lon is not None
    for _ in range(2):
        snap = snapshot_cart(uow, cache, cart, lat, lon)
        snap.stock[:, network.index[exclude]] = 0  # not back to the shelf that lacked them
        # Re-sourced by the service's policy too: under look-ahead, priced as a new order is.
        d = snap.decide(store)
        placed = [
            (int(j), network.nodes[int(n)].id, int(q))
            for j, n, q in zip(d.line, d.node, d.qty, strict=True)
        ]
        rows = [(n, cart[j][0], q) for j, n, q in placed]
        if not rows or not uow.stock.hold(rows, ref=order.id):
            return placed
    return []


def allocate_shipment(
    uow: StoresUnitOfWork,
    dates: MinuteDates,
    order: Order,
    node_id: str,
    allocs: list[tuple[str, int]],
    *,
    reason: str | None = None,
) -> Shipment:
    """One new shipment at ``node_id`` carrying the re-sourced units of these lines (held by
    the caller), dated by the order's service; ``Resourced`` with ``reason``."""
    count = len(uow.shipments.list_by(order_id=order.id))
    shipment = Shipment(
        id=f"{order.id}-S{count + 1}",
        order_id=order.id,
        node_id=node_id,
        status=ShipmentStatus.CREATED,
        promised_at=order_shipment_promise(dates, order, node_id),  # the order's service
    )
    uow.shipments.add_now(shipment)
    for line_id, qty in allocs:
        uow.allocations.add(
            Allocation(order_line_id=line_id, node_id=node_id, qty=qty, shipment_id=shipment.id)
        )
    involve(uow, order, [node_id])  # order search finds it at its new node too
    promised = shipment.promised_at.isoformat() if shipment.promised_at else None
    uow.emit(
        Resourced(
            order_id=order.id,
            lines=dict(allocs),
            node=node_id,
            shipment=shipment.id,
            promised_at=promised,
            reason=reason,
        )
    )
    return shipment


def _refund_unfilled(
    uow: StoresUnitOfWork, order: Order, line_id: str, units: int, reason: str
) -> None:
    line = uow.order_lines.get(line_id)
    if line.price_minor > 0:
        uow.refunds.add(
            Refund(
                id="RF-" + uuid.uuid4().hex[:10].upper(),
                order_id=order.id,
                order_line_id=line_id,
                amount_minor=line.price_minor * units,
                currency=order.currency,
                reason=reason,
            )
        )
    if not uow.allocations.list_by(order_line_id=line_id):
        line.status = OrderLineStatus.CANCELLED
    uow.emit(
        LineShort(
            order_id=order.id, line=line_id, units=units, refund_minor=line.price_minor * units
        )
    )
