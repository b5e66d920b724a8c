"""A stock sync that sets on_hand below what is reserved at a node never oversells: before the
new level is written, the holds that no longer fit are moved off the node, newest first.

What may move: the units of active reservations (checkout holds) and the allocations of order
shipments not yet being picked (status ``created``) at that node for that SKU. Units already
picked, packed or handed over stay (they are in a tote, not on the shelf): when they alone exceed
the new on_hand, the row is refused (``on_hand``: "below the N units that cannot move").

How they move (the rules of the checkout and of a short pick, not new ones):
- a reservation: its units at the node are released and the engine holds them at other nodes
  (``place_elsewhere``, the short pick's placement); units no node has leave the hold, which
  shrinks; ``ReservationMoved`` says what went where and what was dropped. A reservation whose
  time is up is expired first (its units go back), as any read of it would.
- an order allocation: the units are released and taken off the allocation (and off the
  shipment's open pick: an emptied pick is cancelled, an emptied shipment cancelled); then the
  short pick's re-sourcing places them (``resource_units``): a new shipment per node
  (``Resourced``), the rest cancelled and refunded (``LineShort``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from oms.domain.events import ReservationMoved
from oms.inventory.sync import Change, RowError
from oms.orders.model import (
    Allocation,
    ReservationLine,
    ReservationStatus,
    ShipmentStatus,
)
from oms.orders.ports import OrdersUnitOfWork, ReservationLines, Reservations
from oms.orders.reservations import get_reservation
from oms.promise.service import NetworkCache
from oms.stores.pick_release import take_off_shipment
from oms.stores.ports import StoresUnitOfWork
from oms.stores.short_picks import place_elsewhere, resource_units

SHORT_REASON = "stock sync below reserved: no node can supply"


class SyncReservationLines(ReservationLines, Protocol):
    def remove(self, entity: ReservationLine) -> None: ...


class SyncUnitOfWork(StoresUnitOfWork, Protocol):
    """The stores' unit of work and the reservations. SqlUnitOfWork is also the orders' unit
    of work (their repositories' protocols differ in members neither side uses here)."""

    @property
    def reservations(self) -> Reservations: ...

    @property
    def reservation_lines(self) -> SyncReservationLines: ...


@dataclass(frozen=True)
class Hold:
    """Units held at the node that may move: a reservation line or an allocation."""

    placed_at: datetime
    units: int
    line: ReservationLine | None = None
    allocation: Allocation | None = None


@dataclass(frozen=True)
class Moved:
    """What one hold gave up: ``kind`` reservation or order, its id, units taken off the
    node, where they went ((node, qty)...) and how many could go nowhere."""

    kind: str
    id: str
    node: str
    sku: str
    units: int
    placed: list[tuple[str, int]]
    short: int


def holds_at(uow: SyncUnitOfWork, node: str, sku: str, now: datetime) -> list[Hold]:
    """The holds at (node, sku) that may move, newest first."""
    holds: list[Hold] = []
    lines = uow.reservation_lines.list_by(node_id=node, sku_id=sku)
    for rid in sorted({x.reservation_id for x in lines}):
        # Locked; expired (its units given back) when its time is up, as any read of it does.
        res = get_reservation(cast(OrdersUnitOfWork, uow), rid, now)
        if res.status is ReservationStatus.ACTIVE:
            holds += [Hold(res.created_at, x.qty, line=x) for x in lines if x.reservation_id == rid]
    allocations = uow.allocations.list_by(node_id=node)
    if allocations:
        of_sku = {x.id for x in uow.order_lines.list_by(id=[a.order_line_id for a in allocations])}
        of_sku = {x.id for x in uow.order_lines.list_by(id=sorted(of_sku), sku_id=sku)}
        mine = [a for a in allocations if a.order_line_id in of_sku and a.shipment_id]
        ids = sorted({a.shipment_id for a in mine if a.shipment_id})
        waiting = {
            s.id: s.created_at for s in uow.shipments.list_by(id=ids, status=ShipmentStatus.CREATED)
        }
        holds += [
            Hold(waiting[a.shipment_id], a.qty, allocation=a)
            for a in mine
            if a.shipment_id in waiting
        ]
    holds.sort(key=lambda h: h.placed_at, reverse=True)
    return holds


def pinned(change: Change, holds: list[Hold]) -> RowError | None:
    """The row's error when the holds that may move cannot free enough units."""
    movable = sum(h.units for h in holds)
    if movable >= change.excess:
        return None
    stuck = change.reserved - movable
    detail = (
        f"{change.on_hand} is below the {stuck} units reserved at {change.node} "
        "that cannot move (picked or handed over)"
    )
    return RowError(change.row, "on_hand", detail)


def make_room(
    uow: SyncUnitOfWork,
    cache: NetworkCache,
    change: Change,
    holds: list[Hold],
    now: datetime,
) -> list[Moved]:
    """Move the newest holds off (node, sku) until ``change.excess`` units are free."""
    left, moved = change.excess, []
    for hold in holds:
        if left <= 0:
            break
        units = min(hold.units, left)
        left -= units
        if hold.line is not None:
            moved.append(_move_reservation(uow, cache, hold.line, units))
        elif hold.allocation is not None:
            moved.append(_move_allocation(uow, cache, hold.allocation, change.sku, units, now))
    return moved


def _move_reservation(
    uow: SyncUnitOfWork, cache: NetworkCache, line: ReservationLine, units: int
) -> Moved:
    res = uow.reservations.get(line.reservation_id)
    node, sku = line.node_id, line.sku_id
    uow.stock.release([(node, sku, units)], ref=res.id)
    if line.qty == units:
        uow.reservation_lines.remove(line)
    else:
        line.qty -= units
    network, _ = cache.get(uow)
    placed = place_elsewhere(uow, cache, network, res, [(sku, units)], exclude=node)
    last = max((x.line_no for x in uow.reservation_lines.list_by(reservation_id=res.id)), default=0)
    uow.reservation_lines.insert_many(
        [
            ReservationLine(reservation_id=res.id, line_no=last + i, sku_id=sku, node_id=n, qty=q)
            for i, (_, n, q) in enumerate(placed, start=1)
        ]
    )
    went = [(n, q) for _, n, q in placed]
    short = units - sum(q for _, q in went)
    uow.emit(
        ReservationMoved(
            reservation_id=res.id,
            node=node,
            sku=sku,
            units=units,
            moved=[list(x) for x in went],
            short=short,
        )
    )
    return Moved("reservation", res.id, node, sku, units, went, short)


def _move_allocation(
    uow: SyncUnitOfWork,
    cache: NetworkCache,
    alloc: Allocation,
    sku: str,
    units: int,
    now: datetime,
) -> Moved:
    line = uow.order_lines.get(alloc.order_line_id)
    order = uow.orders.get_for_update(line.order_id)
    node, shipment_id = alloc.node_id, alloc.shipment_id
    assert shipment_id is not None  # holds_at takes only allocations with a shipment
    uow.stock.release([(node, sku, units)], ref=order.id)
    take_off_shipment(uow, alloc, shipment_id, units)
    before = {s.id for s in uow.shipments.list_by(order_id=order.id)}
    reason = SHORT_REASON
    resource_units(uow, cache, order, [(line.id, sku, units)], node, now, reason=reason)
    fresh = [s for s in uow.shipments.list_by(order_id=order.id) if s.id not in before]
    got: dict[str, int] = {}
    for s in fresh:
        for a in uow.allocations.list_by(shipment_id=s.id, order_line_id=line.id):
            got[a.node_id] = got.get(a.node_id, 0) + a.qty
    placed = sorted(got.items())
    return Moved("order", order.id, node, sku, units, placed, units - sum(got.values()))
