"""Re-optimisation, step 1: which allocations of open orders may still move, and where to.

An allocation may move when its order is still open (created, allocated or picking), its
shipment is still ``created`` (not picked, packed, shipped), its shipment's pick (if any) is not
confirmed (a pick line's ``picked`` is only set on confirmation: an open pick has none), and it
is not a pickup order's units already at its own store. Everything else of the order is frozen.

For each order the collection also works out its promise (the latest ``promised_at`` of its open
shipments; for a pickup, its ``ready_at`` too) and the nodes that could not keep it: a move
never makes an order later than promised, so those nodes are banned for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from oms.domain.errors import ValidationError
from oms.domain.geo import haversine_km
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import Allocation, DeliveryMethod, Order, Shipment, ShipmentStatus
from oms.orders.promises import order_shipment_promise
from oms.promise.option_dates import MinuteDates
from oms.stores.model import Pick, PickStatus
from oms.stores.ports import StoresUnitOfWork

OPEN = (OrderStatus.CREATED, OrderStatus.ALLOCATED, OrderStatus.PICKING)
MAX_ORDERS_FILTER = 1000
T = TypeVar("T")
CHUNK = 500  # ids per IN (...) list: well within SQLite's and PostgreSQL's limits


@dataclass(frozen=True)
class Region:
    """Orders whose destination (a pickup's: its store) lies within ``radius_km`` of a point."""

    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Scope:
    """Which open orders to re-optimise (every filter given must hold); none: all of them."""

    node: str | None = None  # orders with units that may move at this node
    region: Region | None = None
    orders: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Held:
    """Units of an order line held at a node for a movable shipment."""

    line: str
    sku: str
    node: str
    shipment: str
    qty: int


@dataclass
class OpenOrder:
    """One order's movable units and what constrains their moves."""

    id: str
    pickup_node: str | None  # a pickup order's store (its units there are frozen)
    lat: float
    lon: float  # the destination: the address, or the pickup store
    held: list[Held]
    frozen_shipments: int  # live shipments that cannot move (they shift the split by a constant)
    promise: datetime | None
    banned: set[str] = field(default_factory=set)  # nodes whose promise is later than the order's
    # A pickup's shipment at its own store still being prepared (created, pick not confirmed):
    # units moved to the store join it rather than make a second shipment (and pick) there.
    store_shipment: str | None = None

    def fingerprint(self) -> tuple[tuple[str, str, str, int], ...]:
        """What was collected, to see at apply time whether the order changed since."""
        return tuple(sorted((h.line, h.node, h.shipment, h.qty) for h in self.held))


def check_scope(uow: StoresUnitOfWork, scope: Scope) -> None:
    """Every id the scope names exists (ValidationError naming each field otherwise)."""
    problems = []
    if scope.node is not None and uow.nodes.find(scope.node) is None:
        problems.append(f'node: unknown node "{scope.node}"')
    if scope.orders is not None:
        if len(scope.orders) > MAX_ORDERS_FILTER:
            problems.append(f"orders: at most {MAX_ORDERS_FILTER} ids, got {len(scope.orders)}")
        else:
            found = {o.id for o in _chunked(uow.orders.list_by, "id", list(scope.orders))}
            problems += [
                f'orders[{i}]: order "{oid}" does not exist'
                for i, oid in enumerate(scope.orders)
                if oid not in found
            ]
    if problems:
        raise ValidationError(problems)


def collect(
    uow: StoresUnitOfWork, scope: Scope, dates: MinuteDates, node_ids: Iterable[str]
) -> list[OpenOrder]:
    """The open orders in scope with units that may move, in order id order."""
    waiting = uow.shipments.list_by(status=ShipmentStatus.CREATED)
    if scope.orders is not None:
        wanted = set(scope.orders)
        waiting = [s for s in waiting if s.order_id in wanted]
    started = {p.shipment_id for p in _picks(uow, [s.id for s in waiting])}
    waiting = [s for s in waiting if s.id not in started]
    orders = {
        o.id: o
        for o in _chunked(uow.orders.list_by, "id", sorted({s.order_id for s in waiting}))
        if o.status in OPEN and _in_region(o, scope.region, uow)
    }
    movable = [s for s in waiting if s.order_id in orders]
    allocs = _chunked(uow.allocations.list_by, "shipment_id", [s.id for s in movable])
    skus = {
        ln.id: ln.sku_id
        for ln in _chunked(uow.order_lines.list_by, "id", sorted({a.order_line_id for a in allocs}))
    }
    by_order: dict[str, list[Held]] = {}
    order_of = {s.id: s.order_id for s in movable}
    for a in allocs:
        assert a.shipment_id is not None
        order = orders[order_of[a.shipment_id]]
        if _at_its_store(order, a):
            continue
        held = Held(a.order_line_id, skus[a.order_line_id], a.node_id, a.shipment_id, a.qty)
        by_order.setdefault(order.id, []).append(held)
    if scope.node is not None:
        by_order = {k: v for k, v in by_order.items() if any(h.node == scope.node for h in v)}
    stocked = _stocked_nodes(uow, by_order, set(node_ids))
    return [
        _open_order(uow, orders[oid], held, dates, _candidates(held, stocked))
        for oid, held in sorted(by_order.items())
    ]


def _stocked_nodes(
    uow: StoresUnitOfWork, by_order: dict[str, list[Held]], nodes: set[str]
) -> dict[str, set[str]]:
    """Per SKU, the nodes that could supply it: ATP there, or movable units held there."""
    out: dict[str, set[str]] = {}
    for held in by_order.values():
        for h in held:
            out.setdefault(h.sku, set()).add(h.node)
    for (node, sku), atp in uow.stock.available(sorted(out)).items():
        if atp > 0 and node in nodes:
            out[sku].add(node)
    return out


def _candidates(held: list[Held], stocked: dict[str, set[str]]) -> list[str]:
    """The nodes an order's units could go to: only their promises need working out (a node
    with none of its SKUs gets no pair in the problem, banned or not)."""
    return sorted(set().union(*(stocked[h.sku] for h in held)))


def movable_now(uow: StoresUnitOfWork, order: OpenOrder) -> tuple[tuple[str, str, str, int], ...]:
    """The order's movable units as they are now (in the caller's transaction): compared with
    the collection's fingerprint before a move is applied."""
    full = uow.orders.get(order.id)
    if full.status not in OPEN:
        return ()
    shipments = uow.shipments.list_by(order_id=order.id, status=ShipmentStatus.CREATED)
    started = {p.shipment_id for p in _picks(uow, [s.id for s in shipments])}
    ids = [s.id for s in shipments if s.id not in started]
    allocs = uow.allocations.list_by(shipment_id=ids) if ids else []
    return tuple(
        sorted(
            (a.order_line_id, a.node_id, a.shipment_id or "", a.qty)
            for a in allocs
            if not _at_its_store(full, a)
        )
    )


def _open_order(
    uow: StoresUnitOfWork,
    order: Order,
    held: list[Held],
    dates: MinuteDates,
    nodes: Sequence[str],
) -> OpenOrder:
    shipments = uow.shipments.list_by(order_id=order.id)
    live = [s for s in shipments if s.status is not ShipmentStatus.CANCELLED]
    moving = {h.shipment for h in held}
    promise = _promise(order, live)
    at = _destination(order, uow)
    banned = set()
    if promise is not None:
        banned = {n for n in nodes if order_shipment_promise(dates, order, n) > promise}
    return OpenOrder(
        id=order.id,
        pickup_node=order.pickup_node if order.method is DeliveryMethod.PICKUP else None,
        lat=at[0],
        lon=at[1],
        held=held,
        frozen_shipments=sum(1 for s in live if s.id not in moving),
        store_shipment=_store_shipment(uow, order, live),
        promise=promise,
        banned=banned,
    )


def _store_shipment(uow: StoresUnitOfWork, order: Order, live: list[Shipment]) -> str | None:
    """A pickup's shipment at its store that may still take units (see ``OpenOrder``)."""
    if order.method is not DeliveryMethod.PICKUP:
        return None
    return extendable(uow, [s for s in live if s.node_id == order.pickup_node])


def extendable(uow: StoresUnitOfWork, shipments: list[Shipment]) -> str | None:
    """The first of these shipments still created whose pick is not confirmed, if any."""
    waiting = [s for s in shipments if s.status is ShipmentStatus.CREATED]
    started = {p.shipment_id for p in _picks(uow, [s.id for s in waiting])}
    return next((s.id for s in sorted(waiting, key=lambda s: s.id) if s.id not in started), None)


def _promise(order: Order, live: list[Shipment]) -> datetime | None:
    """The latest date the order's live shipments promise (a pickup: its ready_at too)."""
    dates = [s.promised_at for s in live if s.promised_at is not None]
    if order.method is DeliveryMethod.PICKUP and order.ready_at is not None:
        dates.append(order.ready_at)
    return max(dates) if dates else None


def _destination(order: Order, uow: StoresUnitOfWork) -> tuple[float, float]:
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        store = uow.nodes.get(order.pickup_node)
        return store.lat, store.lon
    assert order.dest_lat is not None and order.dest_lon is not None
    return order.dest_lat, order.dest_lon


def _in_region(order: Order, region: Region | None, uow: StoresUnitOfWork) -> bool:
    if region is None:
        return True
    lat, lon = _destination(order, uow)
    return float(haversine_km(region.lat, region.lon, lat, lon)) <= region.radius_km


def _at_its_store(order: Order, alloc: Allocation) -> bool:
    """A pickup's units already at its own store stay there."""
    return order.method is DeliveryMethod.PICKUP and alloc.node_id == order.pickup_node


def _picks(uow: StoresUnitOfWork, shipment_ids: list[str]) -> list[Pick]:
    """The confirmed picks of these shipments (their units are in a tote: they stay)."""
    picks = _chunked(uow.picks.list_by, "shipment_id", shipment_ids)
    return [p for p in picks if p.status is PickStatus.CONFIRMED]


def _chunked(list_by: Callable[..., list[T]], name: str, ids: list[str]) -> list[T]:
    """``list_by(name=ids)`` a few hundred ids at a time."""
    out: list[T] = []
    for i in range(0, len(ids), CHUNK):
        out += list_by(**{name: ids[i : i + CHUNK]})
    return out
