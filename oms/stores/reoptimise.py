"""Re-optimisation of open orders (POST /v1/sourcing/reoptimise, and the scheduled run).

Orders are sourced one at a time at checkout, each against what earlier ones left: the first
orders of a day may take the stock later ones needed, and those then split or ship from far.
While their units are still on the shelf (not picked), the wave optimiser can re-plan them all
together and move what is worth moving. Three steps, each in its own module:
1. collect (``reoptimise_collect``): the movable units of the open orders in scope, their
   promises and the nodes that would break them, in one read transaction;
2. solve (``reoptimise_solve``): one contract problem, solved from the current plan (never
   worse; the bound proves how far from the best it can be);
3. apply (``reoptimise_apply``): one transaction per order that changed, through the ledger.
One run at a time across processes: a lease (``Lease``) taken before, given back after; another
run meanwhile is refused (``reoptimisation_running``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import numpy as np

from oms.domain.errors import ConflictError
from oms.promise.option_dates import MinuteDates
from oms.promise.service import LOOKAHEAD, SOURCING, NetworkCache, capacity_left
from oms.sourcing import cost
from oms.sourcing.contract import Allocations
from oms.stores.ports import StoresUnitOfWork
from oms.stores.reoptimise_apply import Arrived, Planned, apply_moves
from oms.stores.reoptimise_collect import OpenOrder, Scope, check_scope, collect
from oms.stores.reoptimise_solve import (
    Inputs,
    Solved,
    disabled,
    fitting,
    now_cells,
    settings_for,
    solve,
    targets,
)

log = logging.getLogger("oms.reoptimise")
LEASE = "reoptimise"
LEASE_MARGIN = timedelta(minutes=15)  # applying thousands of moves takes a while too


class ReoptimisationRunning(ConflictError):
    code = "reoptimisation_running"

    def __init__(self) -> None:
        super().__init__("another re-optimisation is running; try again when it has finished")


class Lease(Protocol):
    """A named lock shared by every process (a row in the database), with an expiry."""

    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool: ...

    def give_back(self, name: str, holder: str) -> None: ...


OpenUow = Callable[[], AbstractContextManager[StoresUnitOfWork]]


@dataclass(frozen=True)
class Request:
    scope: Scope = field(default_factory=Scope)
    time_limit_s: float = 10.0
    dry_run: bool = False


@dataclass(frozen=True)
class Move:
    order: str
    left: list[tuple[str, str, int]]  # (line, node, qty)
    arrived: list[Arrived]
    saving: float


@dataclass(frozen=True)
class Report:
    status: str  # optimal | feasible | nothing_to_do
    dry_run: bool
    orders_considered: int = 0
    units_considered: int = 0
    cost_before: float = 0.0
    cost_after: float = 0.0
    bound: float | None = None
    objective_before: float = 0.0
    objective_after: float = 0.0
    shipments_before: int = 0
    shipments_after: int = 0
    splits_before: int = 0
    splits_after: int = 0
    moves: list[Move] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (order, reason)
    elapsed_s: float = 0.0
    priced: bool = False

    @property
    def saving(self) -> float:
        return self.cost_before - self.cost_after

    @property
    def gap(self) -> float | None:
        """How far the plan's objective may be above the best: (objective - bound) / objective."""
        if self.bound is None:
            return None
        return max(0.0, self.objective_after - self.bound) / max(self.objective_after, 1e-9)


def reoptimise(
    open_uow: OpenUow,
    cache: NetworkCache,
    lease: Lease,
    request: Request,
    now: datetime | None = None,
) -> Report:
    """Re-plan the open orders in scope jointly and apply the moves (unless ``dry_run``)."""
    now = now or datetime.now(UTC)
    holder = uuid.uuid4().hex
    until = now + timedelta(seconds=request.time_limit_s) + LEASE_MARGIN
    if not lease.take(LEASE, holder, now, until):
        raise ReoptimisationRunning()
    try:
        return _run(open_uow, cache, request, now)
    finally:
        lease.give_back(LEASE, holder)


def reoptimise_forever(
    open_uow: OpenUow,
    cache: NetworkCache,
    lease: Lease,
    stop: threading.Event,
    *,
    every_s: float,
    time_limit_s: float,
    after: threading.Event | None = None,
) -> None:
    """The scheduled run (OMS_REOPTIMISE_EVERY_MINUTES): every ``every_s`` seconds once
    ``after`` is set (the kernels warm), until ``stop``; each result, or why it did not run, is
    logged. A failure is logged and the next run comes as planned."""
    if after is not None:
        while not after.wait(1.0):
            if stop.is_set():
                return
    while not stop.wait(every_s):
        try:
            r = reoptimise(open_uow, cache, lease, Request(time_limit_s=time_limit_s))
        except ReoptimisationRunning:
            log.info("scheduled re-optimisation skipped: another run holds the lease")
            continue
        except Exception:
            log.exception("scheduled re-optimisation failed")
            continue
        log.info(
            "re-optimisation %s: %d orders, %d moved, %d skipped, cost %.2f -> %.2f in %.1f s",
            r.status, r.orders_considered, len(r.moves), len(r.skipped),
            r.cost_before, r.cost_after, r.elapsed_s,
        )  # fmt: skip


def _run(open_uow: OpenUow, cache: NetworkCache, request: Request, now: datetime) -> Report:
    started = time.perf_counter()
    with open_uow() as uow:
        check_scope(uow, request.scope)
        network, _ = cache.get(uow)
        dates = cache.dates(network).at(now)
        orders, unfit = fitting(collect(uow, request.scope, dates, network.ids), network)
        if not orders:
            return Report(
                "nothing_to_do", request.dry_run, skipped=unfit, elapsed_s=_since(started)
            )
        inputs = _inputs(uow, cache, orders)
    solved = solve(orders, inputs, max(0.0, request.time_limit_s - _since(started)))
    pending, skipped = _changed_orders(solved, orders, disabled(inputs.network))
    moves, lost = _apply_all(open_uow, dates, solved, orders, pending, request.dry_run)
    done = {m.order for m in moves}
    moved = {i for i, o in enumerate(orders) if o.id in done}
    return _report(solved, orders, request, moves, unfit + skipped + lost, moved, started)


def _changed_orders(
    solved: Solved, orders: list[OpenOrder], off: set[str]
) -> tuple[list[int], list[tuple[str, str]]]:
    """The orders whose plan changed and may move, and those refused (with why)."""
    pending: list[int] = []
    skipped: list[tuple[str, str]] = []
    for i, order in enumerate(orders):
        before, after = now_cells(solved, i), targets(solved, i)
        if before == after:
            continue
        if _fewer_units(before, after):  # never leave a unit unfilled that was filled
            skipped.append((order.id, "would_leave_units_unfilled"))
        elif any(q > before.get((ln, n), 0) for (ln, n), q in after.items() if n in off):
            # Another order's units there were the only stock: a disabled node receives none.
            skipped.append((order.id, "node_disabled"))
        else:
            pending.append(i)
    return pending, skipped


def _apply_all(
    open_uow: OpenUow,
    dates: MinuteDates,
    solved: Solved,
    orders: list[OpenOrder],
    pending: list[int],
    dry_run: bool,
) -> tuple[list[Move], list[tuple[str, str]]]:
    """Each order's move in its own transaction. A move may need units another move frees
    (order 2 takes the mug order 1 leaves): an order that loses the race is tried again after
    a pass that moved something, until a pass moves nothing. What is left may wait on each
    other in a cycle (a swap): it is tried once more, all together in one transaction."""
    planned = {i: Planned(orders[i], now_cells(solved, i), targets(solved, i)) for i in pending}
    index = {orders[i].id: i for i in pending}
    if dry_run:
        return [
            _move(solved, index[p.order.id], p, _planned_arrivals(p)) for p in planned.values()
        ], []
    moves: list[Move] = []
    skipped: list[tuple[str, str]] = []

    def attempt(group: list[int]) -> list[int]:
        """Apply the group in one transaction; the orders that lost the race."""
        try:
            with open_uow() as uow:
                outcomes = apply_moves(uow, dates, [planned[i] for i in group])
        except Exception:  # e.g. a deadlock the database broke: rolled back, the others go on
            log.exception("re-optimisation: moving %s failed", [orders[i].id for i in group])
            skipped.extend((orders[i].id, "failed") for i in group)
            return []
        lost = []
        for out in outcomes:
            i = index[out.order]
            if out.skipped == "lost_race":
                lost.append(i)
            elif out.skipped is not None:
                skipped.append((out.order, out.skipped))
            else:
                moves.append(_move(solved, i, planned[i], out.arrived))
        return lost

    while pending:
        retry = [i for one in pending for i in attempt([one])]
        if len(retry) == len(pending):  # no progress: the rest waits on stock nobody frees
            break
        pending = retry
    if len(pending) > 1:
        pending = attempt(pending)
    skipped += [(orders[i].id, "lost_race") for i in pending]
    return moves, skipped


def _planned_arrivals(p: Planned) -> list[Arrived]:
    """A dry run's arrivals: no shipment, no promise yet."""
    return [Arrived(ln, n, q, "", None) for (ln, n), q in sorted(p.arriving.items())]


def _inputs(uow: StoresUnitOfWork, cache: NetworkCache, orders: list[OpenOrder]) -> Inputs:
    network, _ = cache.get(uow)
    skus = sorted({h.sku for o in orders for h in o.held})
    found = None
    if cache.policy == LOOKAHEAD:
        found = cache.board.current.rows_and_top(skus, network.ids)
    prices = None if found is None else found[0]
    return Inputs(
        network=network,
        atp=uow.stock.available(skus, enabled_only=False),
        capacity_left=capacity_left(uow, network),
        prices=prices,
        price_skus=skus,
        settings=settings_for(SOURCING, prices),
    )


def _fewer_units(before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]) -> bool:
    def per_line(cells: dict[tuple[str, str], int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for (line, _), q in cells.items():
            out[line] = out.get(line, 0) + q
        return out

    have = per_line(after)
    return any(have.get(line, 0) < q for line, q in per_line(before).items())


def _move(solved: Solved, i: int, p: Planned, arrived: list[Arrived]) -> Move:
    """What the answer says of one order's move."""
    left = [(ln, n, q) for (ln, n), q in sorted(p.leaving.items())]
    saving = _order_cost(solved, solved.current, i) - _order_cost(
        solved, solved.plan.allocations, i
    )
    return Move(p.order.id, left, arrived, saving)


def _order_cost(solved: Solved, alloc: Allocations, i: int) -> float:
    """One order's contract cost (other orders' lines count unfilled alike in both plans)."""
    return cost.evaluate(solved.problem, _rows(alloc, alloc.order == i)).cost.total


def _rows(alloc: Allocations, keep: np.ndarray) -> Allocations:
    return Allocations(alloc.order[keep], alloc.line[keep], alloc.node[keep], alloc.qty[keep])


def _report(
    solved: Solved,
    orders: list[OpenOrder],
    request: Request,
    moves: list[Move],
    skipped: list[tuple[str, str]],
    moved: set[int],
    started: float,
) -> Report:
    cur, new = solved.current, solved.plan.allocations
    # What the orders hold now: the plan's rows for the orders moved, the old ones for the rest.
    final = Allocations.concat(
        [_rows(cur, ~np.isin(cur.order, list(moved))), _rows(new, np.isin(new.order, list(moved)))]
    )
    # One pricing of each plan: its total and its shipments per problem order.
    before, after = cost.evaluate(solved.problem, cur), cost.evaluate(solved.problem, final)
    frozen = np.array([o.frozen_shipments for o in orders], dtype=np.int64)
    ships_before = before.shipments + frozen
    ships_after = after.shipments + frozen - _joined_store(solved, orders, final)
    bound = solved.plan.lower_bound
    return Report(
        status=solved.plan.status,
        dry_run=request.dry_run,
        orders_considered=len(orders),
        units_considered=int(cur.qty.sum()),
        cost_before=before.cost.total + solved.shift,
        cost_after=after.cost.total + solved.shift,
        bound=None if bound is None else bound + solved.shift,
        objective_before=solved.objective(cur),
        objective_after=solved.objective(new),
        shipments_before=int(ships_before.sum()),
        shipments_after=int(ships_after.sum()),
        splits_before=int((ships_before >= 2).sum()),
        splits_after=int((ships_after >= 2).sum()),
        moves=moves,
        skipped=skipped,
        elapsed_s=_since(started),
        priced=solved.unit_price is not None,
    )


def _joined_store(solved: Solved, orders: list[OpenOrder], alloc: Allocations) -> np.ndarray:
    """Per order: 1 when units went to its pickup store's shipment (no new shipment there)."""
    ids = solved.problem.nodes.index
    store = np.array(
        [ids[o.pickup_node] if o.store_shipment and o.pickup_node else -1 for o in orders],
        dtype=np.int64,
    )
    joined = np.zeros(len(orders), dtype=np.int64)
    joined[np.unique(alloc.order[alloc.node == store[alloc.order]])] = 1
    return joined


def _since(started: float) -> float:
    return time.perf_counter() - started
