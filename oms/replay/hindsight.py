"""The hindsight optimum: the day's best plan had every order been known in advance, in time.

What it covers: the whole day's orders solved jointly, as if every order were known at the start,
but honouring time with the simulator's semantics (`simulate.NetworkState`; events at a time
apply before the orders arriving at that time):
- a receipt at t serves only orders arriving at or after t: for each (SKU, node) with receipts at
  t1 < t2 < ..., the units taken by orders arriving before t_k <= the stock at the start plus
  the receipts before t_k, for every k (and the day's total, as in the relaxed problem);
- a node in outage serves no order arriving in [outage, recovery);
- capacity is per day: after a change to C at t, the orders from t on may take at most
  max(0, C - units already taken); a run of periods at one capacity that is below an earlier
  capacity is a gate (`wave_side`): either its orders take nothing at the node or the node's
  units up to its end stay within C. Other runs are plain rows (units up to the run's end <= C).
Every online-mode strategy's plan, as the simulator makes it, keeps these rules, so the hindsight
optimum is <= every online strategy's cost. A wave strategy decides at release time, after the
arrival, so it may use a receipt or a recovery that the arrival rule forbids: its gap to the
hindsight optimum can be slightly negative.

It is solved by the wave optimiser (`wave.solve_wave` with the rules as `LineWindows`) under a
time limit, seeded with the cheapest strategy plan that keeps the rules, and reported with the
solver's own proven bound for this time-respecting problem (never below the relaxed bound of
`bound.py`, which bounds it too) and whether it was proven optimal.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from oms.replay.bound import relaxed_problem
from oms.replay.day import Day
from oms.replay.scenario_types import Receipt
from oms.replay.simulate import NetworkState, run_strategy
from oms.sourcing.contract import I64, NO_LIMIT, Allocations, B
from oms.sourcing.wave import keeps_rules, solve_wave
from oms.sourcing.wave_side import ANY_SKU, LineWindows

COVERS = (
    "all orders of the day solved jointly as if known in advance, honouring time: a receipt "
    "serves only orders arriving from its time on, a node in outage serves none of the orders "
    "arriving during it, and a capacity change applies to the orders from its time on"
)
# SCIP over the search's candidate blocks R up to this many (the wave's default is 5,000, for
# waves of seconds). Measured at 60 s: weekday-fr's R (5,481 blocks) solves to optimality in
# 5.5 s, 24,220.84 against 24,226.64 from LNS; black-friday-fr's (9,389) reaches 177,566 in 52 s
# against 177,776 from LNS.
R_MIP_BLOCKS = 12_000
# Relative tolerance for "proven optimal" (the cost is recomputed; the bound is shaved by 1e-7).
PROVEN_TOL = 1e-6


@dataclass(frozen=True)
class Hindsight:
    cost: float
    bound: float  # a proven lower bound on the hindsight optimum
    proven: bool  # the cost is the hindsight optimum (cost within tolerance of the bound)
    elapsed_s: float
    seed: str  # the plan that seeded the search
    allocations: Allocations  # in the day's order and line indices
    covers: str = COVERS


def day_hindsight(
    day: Day,
    time_limit_s: float,
    plans: Mapping[str, Allocations] | None = None,
    relaxed_bound: float | None = None,
) -> Hindsight:
    """The hindsight optimum within `time_limit_s`, seeded with the cheapest of `plans` (and the
    online strategy's plan) that keeps time's rules; `relaxed_bound` (from `bound.py`) is a bound
    on it too."""
    started = time.perf_counter()
    seeds = dict(plans or {})
    if "online" not in seeds:  # always feasible here, and fast
        seeds["online"] = _online_plan(day)
    plan = solve_wave(
        relaxed_problem(day),
        time_limit_s,
        windows=time_windows(day),
        seeds=seeds,
        r_mip_blocks=R_MIP_BLOCKS,
    )
    total = plan.cost.total
    bound = max(plan.lower_bound or 0.0, relaxed_bound or 0.0)
    bound = min(bound, total)
    proven = plan.status == "optimal" or total <= bound + PROVEN_TOL * max(1.0, total)
    seed = str(plan.extra.get("search", {}).get("seed", ""))
    return Hindsight(total, bound, proven, time.perf_counter() - started, seed, plan.allocations)


def keeps_time(day: Day, alloc: Allocations) -> bool:
    """Does a plan keep the hindsight problem's rules (time, stock, capacity)?"""
    return keeps_rules(relaxed_problem(day), alloc, time_windows(day))


def _online_plan(day: Day) -> Allocations:
    run = run_strategy(day, "online", wave_period_s=0.0, wave_time_limit_s=0.0, progress=_quiet)
    return run.allocations


def _quiet(n: int) -> None:
    pass


# ---------------------------------------------------------------- time as windows of lines


@dataclass(frozen=True)
class Segment:
    """Lines [lo, hi) of the orders arriving between two event times, and the network then."""

    lo: int
    hi: int
    capacity: I64
    enabled: B


def segments(day: Day) -> list[Segment]:
    """The day cut at every event time, with the network as the simulator holds it."""
    line_start = day.problem.orders.line_start
    state = NetworkState.initial(day.problem)
    times = sorted({e.at_s for e in day.scenario.events})
    cuts = [0, *(int(line_start[np.searchsorted(day.arrival_s, t, side="left")]) for t in times)]
    cuts.append(int(line_start[-1]))
    out = [Segment(cuts[0], cuts[1], state.capacity.copy(), state.enabled.copy())]
    for k, t in enumerate(times):
        for event in day.scenario.events:
            if event.at_s == t:
                state.apply(event)
        out.append(Segment(cuts[k + 1], cuts[k + 2], state.capacity.copy(), state.enabled.copy()))
    return out


def time_windows(day: Day) -> LineWindows:
    """Receipts, outages and capacity changes as rules over windows of lines (arrival order)."""
    segs = segments(day)
    closed = [(int(n), s.lo, s.hi) for s in segs if s.hi > s.lo for n in np.flatnonzero(~s.enabled)]
    rows = _receipt_rows(day)
    gates: list[tuple[int, int, int, int, int]] = []
    for node in range(len(day.problem.nodes)):
        node_rows, node_gates = _capacity_rules(node, segs)
        rows += node_rows
        gates += node_gates
    return LineWindows(
        closed_node=_col(closed, 0),
        closed_lo=_col(closed, 1),
        closed_hi=_col(closed, 2),
        row_node=_col(rows, 0),
        row_sku=_col(rows, 1),
        row_hi=_col(rows, 2),
        row_rhs=_col(rows, 3),
        gate_node=_col(gates, 0),
        gate_lo=_col(gates, 1),
        gate_hi=_col(gates, 2),
        gate_cap=_col(gates, 3),
        gate_highest=_col(gates, 4),
    )


def _receipt_rows(day: Day) -> list[tuple[int, int, int, int]]:
    """(node, sku, first line not before the receipt, stock before it) per receipt."""
    line_start = day.problem.orders.line_start
    receipts = [e for e in day.scenario.events if isinstance(e, Receipt)]
    rows = []
    for r in receipts:
        hi = int(line_start[np.searchsorted(day.arrival_s, r.at_s, side="left")])
        earlier = sum(
            e.qty for e in receipts if (e.node, e.sku) == (r.node, r.sku) and e.at_s < r.at_s
        )
        rows.append((r.node, r.sku, hi, int(day.problem.stock[r.sku, r.node]) + earlier))
    return rows


def _capacity_rules(
    node: int, segs: list[Segment]
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int, int]]]:
    """A node's capacity over the day as rows (node, ANY_SKU, hi, C) and gates (node, lo, hi, C,
    highest C before), one per run of segments at one capacity."""
    rows: list[tuple[int, int, int, int]] = []
    gates: list[tuple[int, int, int, int, int]] = []
    highest = -1  # the highest capacity before the run: units taken so far are at most this
    k = 0
    while k < len(segs):
        cap = int(segs[k].capacity[node])
        end = k
        while end + 1 < len(segs) and int(segs[end + 1].capacity[node]) == cap:
            end += 1
        lo, hi = segs[k].lo, segs[end].hi
        if cap < NO_LIMIT:
            if cap >= highest:
                rows.append((node, ANY_SKU, hi, cap))
            else:
                gates.append((node, lo, hi, cap, highest))
        highest = max(highest, cap)
        k = end + 1
    return rows, gates


def _col(rows: Sequence[tuple[int, ...]], k: int) -> I64:
    return np.array([r[k] for r in rows], dtype=np.int64)
