"""Re-optimisation, step 3: one order's move applied in its own transaction.

The order is locked; its movable units must still be exactly what was collected (else the move
is skipped: ``changed``). The ledger releases the units leaving and holds the units arriving in
one pass over their rows in lock order, conditionally: a hold that finds too little (a checkout
took the stock since) rolls everything back and skips the order (``lost_race``): never oversold.
Then the books follow: units arriving at a node where the order has a movable shipment extend it
(and its open pick); elsewhere a new shipment is made with its promise (the short pick's
``allocate_shipment``); the units leaving shrink their allocations and open picks, an emptied
pick or shipment is cancelled (``take_off_shipment``); picks are released for new shipments at
stores. Every shipment that gained units raises ``Resourced`` (reason "reoptimised").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from oms.domain.events import Resourced
from oms.orders.model import Allocation, Order, Shipment
from oms.promise.option_dates import MinuteDates
from oms.stores.model import PickLine, PickStatus
from oms.stores.pick_release import release_picks, take_off_shipment
from oms.stores.ports import StoresUnitOfWork
from oms.stores.reoptimise_collect import OpenOrder, extendable, movable_now
from oms.stores.short_picks import allocate_shipment

REASON = "reoptimised"
REF = "reoptimisation"  # the ledger events' ref of moves applied together
Cell = tuple[str, str]  # (order line, node)


@dataclass(frozen=True)
class Arrived:
    line: str
    node: str
    qty: int
    shipment: str
    promised_at: datetime | None


@dataclass(frozen=True)
class Outcome:
    """What became of one order's move: applied (``arrived``), or skipped and why."""

    order: str
    skipped: str | None = None  # changed | lost_race
    arrived: list[Arrived] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """One order's move as planned: its units per (line, node) now and after."""

    order: OpenOrder
    before: dict[Cell, int]
    after: dict[Cell, int]

    @property
    def leaving(self) -> dict[Cell, int]:
        return _diff(self.before, self.after)

    @property
    def arriving(self) -> dict[Cell, int]:
        return _diff(self.after, self.before)

    def rows(self, cells: dict[Cell, int]) -> list[tuple[str, str, int]]:
        sku = {h.line: h.sku for h in self.order.held}
        return [(n, sku[ln], q) for (ln, n), q in sorted(cells.items())]


def apply_move(uow: StoresUnitOfWork, dates: MinuteDates, move: Planned) -> Outcome:
    """Move one order's units and commit, or change nothing."""
    return apply_moves(uow, dates, [move])[0]


def apply_moves(uow: StoresUnitOfWork, dates: MinuteDates, moves: list[Planned]) -> list[Outcome]:
    """Move these orders' units together in one transaction and commit, or change nothing (each
    order then skipped: ``changed``, or ``lost_race``). Together, units may change hands in a
    cycle (order A takes what B leaves and B what A leaves), which no order alone can do: the
    ledger releases every unit leaving and holds every unit arriving in one pass."""
    moves = sorted(moves, key=lambda m: m.order.id)  # orders locked in id order
    orders = [uow.orders.get_for_update(m.order.id) for m in moves]
    if any(movable_now(uow, m.order) != m.order.fingerprint() for m in moves):
        uow.rollback()
        return [_skip(m, "changed") for m in moves]
    release = [row for m in moves for row in m.rows(m.leaving)]
    hold = [row for m in moves for row in m.rows(m.arriving)]
    if uow.stock.move(release, hold, ref=moves[0].order.id if len(moves) == 1 else REF):
        uow.rollback()
        return [_skip(m, "lost_race") for m in moves]
    outcomes = []
    for order, m in zip(orders, moves, strict=True):
        arrived = _arrive(uow, dates, order, m.order, m.arriving)  # first: a kept shipment grows
        for (line, node), qty in sorted(m.leaving.items()):
            _leave(uow, m.order, line, node, qty)
        release_picks(uow, order)
        outcomes.append(Outcome(order.id, arrived=arrived))
    uow.commit()
    return outcomes


def _skip(move: Planned, why: str) -> Outcome:
    return Outcome(move.order.id, skipped=why)


def _diff(a: dict[Cell, int], b: dict[Cell, int]) -> dict[Cell, int]:
    """Units in ``a`` beyond ``b``, per cell."""
    return {k: q - b.get(k, 0) for k, q in a.items() if q > b.get(k, 0)}


def _arrive(
    uow: StoresUnitOfWork,
    dates: MinuteDates,
    order: Order,
    open_order: OpenOrder,
    arriving: dict[Cell, int],
) -> list[Arrived]:
    by_node: dict[str, list[tuple[str, int]]] = {}
    for (line, node), qty in sorted(arriving.items()):
        by_node.setdefault(node, []).append((line, qty))
    kept = {h.node: h.shipment for h in sorted(open_order.held, key=lambda h: h.shipment)}
    store = open_order.pickup_node
    if store in by_node and open_order.store_shipment is not None:
        # Still being prepared now (not picked since the collection)? Then it takes them.
        found = extendable(uow, [uow.shipments.get(open_order.store_shipment)])
        if found is not None:
            kept[store] = found
    out: list[Arrived] = []
    for node, lines in sorted(by_node.items()):
        if node in kept:
            shipment = uow.shipments.get(kept[node])
            _extend(uow, order, shipment, lines)
        else:
            shipment = allocate_shipment(uow, dates, order, node, lines, reason=REASON)
        out += [Arrived(ln, node, q, shipment.id, shipment.promised_at) for ln, q in lines]
    return out


def _extend(
    uow: StoresUnitOfWork, order: Order, shipment: Shipment, lines: list[tuple[str, int]]
) -> None:
    """More units in a shipment the order keeps at the node, and in its open pick."""
    picks = uow.picks.list_by(shipment_id=shipment.id, status=PickStatus.OPEN)
    for line, qty in lines:
        found = uow.allocations.list_by(order_line_id=line, shipment_id=shipment.id)
        if found:
            found[0].qty += qty
        else:
            uow.allocations.add(
                Allocation(
                    order_line_id=line, node_id=shipment.node_id, qty=qty, shipment_id=shipment.id
                )
            )
        for pick in picks:
            _add_to_pick(uow, pick.id, shipment.node_id, line, qty)
    promised = shipment.promised_at.isoformat() if shipment.promised_at else None
    uow.emit(
        Resourced(
            order_id=order.id,
            lines=dict(lines),
            node=shipment.node_id,
            shipment=shipment.id,
            promised_at=promised,
            reason=REASON,
        )
    )


def _add_to_pick(uow: StoresUnitOfWork, pick_id: str, node: str, line: str, qty: int) -> None:
    found = uow.pick_lines.list_by(pick_id=pick_id, order_line_id=line)
    if found:
        found[0].qty += qty
        return
    sku = uow.order_lines.get(line).sku_id
    item = uow.stock.item(node, sku)
    uow.pick_lines.add(
        PickLine(
            pick_id=pick_id,
            order_line_id=line,
            sku_id=sku,
            bin_location=item.bin_location if item else None,
            qty=qty,
        )
    )


def _leave(uow: StoresUnitOfWork, open_order: OpenOrder, line: str, node: str, qty: int) -> None:
    """``qty`` units of ``line`` leave ``node``: off its movable allocations there, newest
    shipment first."""
    held = [h for h in open_order.held if h.line == line and h.node == node]
    for h in sorted(held, key=lambda h: h.shipment, reverse=True):
        if qty <= 0:
            return
        (alloc,) = uow.allocations.list_by(order_line_id=line, shipment_id=h.shipment)
        units = min(qty, alloc.qty)
        take_off_shipment(uow, alloc, h.shipment, units)
        qty -= units
    assert qty == 0, "the units leaving were collected as held there"
