"""Explain an order's sourcing (GET /v1/orders/{id}/explain, and the order pages' "Why this
node"): its current plan priced by the one cost function, and the sourcer's decision for it now,
against the stock now with the order's own held units given back, with the alternatives it
rejected. `agrees` says whether the sourcer would choose the same nodes now: it does right after
the order was placed, unless stock or nodes changed since.

An allocation is open while its line is allocated and its shipment not yet picking: those units
could still move and are re-decided; the others (picking, picked, shipped, collected) are listed
as fixed. Reads only; moves nothing."""

from __future__ import annotations

from dataclasses import dataclass

from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Shipment,
    ShipmentStatus,
)
from oms.orders.ports import OrdersUnitOfWork
from oms.orders.queries import order_for
from oms.orders.views import OrderView, order_view
from oms.promise.explain import Explained, explain_snapshot, one_order
from oms.promise.service import CartSnapshot, NetworkCache, snapshot_cart
from oms.sourcing.explain import PricedPlan, one_order_problem, price

OPEN_LINES = (OrderLineStatus.OPEN, OrderLineStatus.ALLOCATED)
OPEN_SHIPMENTS = (ShipmentStatus.CREATED,)


@dataclass(frozen=True)
class FixedRow:
    """Units that can no longer move, and why (their shipment's or line's status)."""

    line_id: str
    sku: str
    node: str
    qty: int
    status: str


@dataclass(frozen=True)
class OrderExplained:
    """`current`: the open allocations priced; `now`: the re-decision explained (None when
    nothing is open); `line_ids`: the order line of each cart line of both plans."""

    order_id: str
    current: PricedPlan | None
    fixed: list[FixedRow]
    now: Explained | None
    agrees: bool | None
    line_ids: list[str]


def explain_order_plan(
    uow: OrdersUnitOfWork, cache: NetworkCache, order_id: str, store: str | None
) -> OrderExplained:
    """The order's plan and the sourcer's choice for it now (a store key: an order involving
    its store only, as the order read)."""
    order = order_for(uow, order_id, store)
    lines = [
        ln
        for ln in uow.order_lines.list_by(order_id=order_id, order_by="line_no")
        if ln.status is not OrderLineStatus.CANCELLED  # its units went back: nothing to show
    ]
    allocations = uow.allocations.list_by(order_line_id=[ln.id for ln in lines], order_by="id")
    shipments = {s.id: s for s in uow.shipments.list_by(order_id=order_id)}
    by_id = {ln.id: ln for ln in lines}
    opened = [a for a in allocations if _is_open(a, by_id[a.order_line_id], shipments)]
    fixed = [_fixed(a, by_id[a.order_line_id], shipments) for a in allocations if a not in opened]
    cart_lines = [ln for ln in lines if any(a.order_line_id == ln.id for a in opened)]
    if not cart_lines:
        return OrderExplained(order_id, None, fixed, None, None, [])
    snap, store_index = _snapshot(uow, cache, order, cart_lines, opened)
    now = explain_snapshot(snap, cache.policy, store_index)
    current = _current(snap, store_index, cart_lines, opened)
    agrees = now.why.chosen.nodes == current.nodes
    return OrderExplained(order_id, current, fixed, now, agrees, [ln.id for ln in cart_lines])


def _is_open(a: Allocation, line: OrderLine, shipments: dict[str, Shipment]) -> bool:
    shipment = shipments.get(a.shipment_id or "")
    return line.status in OPEN_LINES and (shipment is None or shipment.status in OPEN_SHIPMENTS)


def _fixed(a: Allocation, line: OrderLine, shipments: dict[str, Shipment]) -> FixedRow:
    shipment = shipments.get(a.shipment_id or "")
    moving = line.status in OPEN_LINES and shipment is not None
    status = shipment.status.value if moving and shipment else line.status.value
    return FixedRow(line.id, line.sku_id, a.node_id, a.qty, status)


def _snapshot(
    uow: OrdersUnitOfWork,
    cache: NetworkCache,
    order: Order,
    cart_lines: list[OrderLine],
    opened: list[Allocation],
) -> tuple[CartSnapshot, int]:
    """The stock now for the open units, with the order's own held units given back (stock
    and capacity left), and the pickup store's index (-1: shipped)."""
    network, _ = cache.get(uow)
    store = -1
    lat, lon = order.dest_lat, order.dest_lon
    if order.method is DeliveryMethod.PICKUP and order.pickup_node in network.index:
        store = network.index[order.pickup_node]
        lat, lon = network.nodes[store].lat, network.nodes[store].lon
    units = {ln.id: sum(a.qty for a in opened if a.order_line_id == ln.id) for ln in cart_lines}
    wanted = [(ln.sku_id, units[ln.id]) for ln in cart_lines]
    snap = snapshot_cart(uow, cache, wanted, float(lat or 0.0), float(lon or 0.0))
    # Copies: the capacity array is the cache's, shared with every request.
    snap.stock, snap.capacity = snap.stock.copy(), snap.capacity.copy()
    row = {ln.id: int(snap.cart.sku_index[j]) for j, ln in enumerate(cart_lines)}
    for a in opened:
        if a.node_id in network.index:
            node = network.index[a.node_id]
            snap.stock[row[a.order_line_id], node] += a.qty
            snap.capacity[node] += a.qty
    return snap, store


def _current(
    snap: CartSnapshot, store: int, cart_lines: list[OrderLine], opened: list[Allocation]
) -> PricedPlan:
    """The open allocations as rows of the cart, priced as the re-decision is."""
    index = snap.network.index
    line_of = {ln.id: j for j, ln in enumerate(cart_lines)}
    rows = [
        (line_of[a.order_line_id], index[a.node_id], a.qty) for a in opened if a.node_id in index
    ]
    order = one_order(snap, store)
    return price(order, one_order_problem(order), rows)


def order_with_explanation(
    uow: OrdersUnitOfWork, cache: NetworkCache, order_id: str, store: str | None
) -> tuple[OrderView, OrderExplained]:
    """What the order pages show: the order as GET /v1/orders/{id} reads it, and why it is
    sourced as it is (a store: an order involving it only)."""
    found = explain_order_plan(uow, cache, order_id, store)
    return order_view(uow, order_for(uow, order_id, store)), found
