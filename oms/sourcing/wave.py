"""Wave mode: all orders of a problem optimised jointly, with a proven lower bound.

Public API: `solve_wave(problem, time_limit, start=...)` and `reoptimise(problem, current, ...)`.

Design (details in `wave_model` and `wave_decompose`):
- The contract's MIP (DESIGN.md section 3) is held as arrays: pairs (line, node) carry integer
  units x, blocks (order, node) carry the binary shipment y; unfilled units are substituted out.
  Models go from those arrays straight into MathOpt protos (no per-variable Python objects:
  0.2 s for 600k non-zeros).
- Seed: the `start` plan, or else the online plan and the baseline strategies that fit 15% of
  the time, and the empty plan; the cheapest feasible one. The result is never worse.
- Small waves (<= 6,000 pairs) go to SCIP whole, which usually proves optimality. Larger ones:
  column generation keeps the LP at ~5% of the blocks and gives a Lagrangian bound valid for
  the whole problem; LP rounding plus a MIP over the fractional orders gives the first plan;
  SCIP over the LP's near-ties when they are few; then LNS for the time left.
- The bound is the best of: the Lagrangian bound, the restricted MIP's bound combined with the
  per-block Lagrangian bounds outside the restriction, and a solver-free counting bound. It is
  shaved by 1e-7 (relative) against floating-point noise. The plan's cost is always recomputed
  by `cost.evaluate`, and every candidate plan is checked by `cost.violations`.
Solvers, by measurement on this 2-core machine (8,000-order wave unless said):
- LP: HiGHS through MathOpt (pywraplp/model_builder's HiGHS returns zero duals). Cold LP of the
  first column-generation round: HiGHS IPM 4.5 s, HiGHS dual simplex 5.9-6.8 s, PDLP 3.9 s (no
  basis, inexact), GLOP 19 s. Later rounds: GLOP warm-started from the previous basis, 0.8-2.3 s
  (HiGHS through MathOpt ignores a starting basis: 7.2 s). The full LP without column
  generation did not finish in 100 s with GLOP, PDLP or HiGHS.
- MIP: SCIP. The whole 65-node MIP (44k pairs), 10 s: SCIP and HiGHS return the hint with no
  bound (HiGHS after 36 s), CP-SAT nothing. Over its near-ties (2,956 blocks): SCIP 2.1-2.7 s to
  optimality (the global optimum, as a 900-s SCIP run proved), HiGHS 2.1 s, CP-SAT 8 s without
  beating the hint. LNS sub-MIPs: SCIP and HiGHS alike; SCIP keeps its time limits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from oms.sourcing import cost, strategies
from oms.sourcing import wave_decompose as wd
from oms.sourcing import wave_model as wm
from oms.sourcing.contract import F64, I64, NO_LIMIT, Allocations, Plan, Problem
from oms.sourcing.wave_side import LineWindows

# Seeds may use this share of the time limit (the online plan always runs: it is fast).
SEED_SHARE = 0.15
# A baseline strategy costs about this much per order (pure Python, measured on 8,000 orders).
BASELINE_S_PER_ORDER = 3e-4
# The search stops at this share of the time limit less a reserve for extracting and pricing.
DEADLINE_SHARE = 0.97
RESERVE_S = 0.05


def solve_wave(
    problem: Problem,
    time_limit: float = 30.0,
    *,
    start: Allocations | None = None,
    windows: LineWindows | None = None,
    seeds: Mapping[str, Allocations] | None = None,
    r_mip_blocks: int | None = None,
    unit_price: F64 | None = None,
) -> Plan:
    """All orders jointly, within `time_limit` seconds (wall time, everything included): the best
    plan found, never worse than the seed, with a proven lower bound on the optimum.

    `windows` adds rules over windows of lines (`wave_side`: the replay's hindsight optimum
    honours time with them); plans, seeds and the bound then honour them too. `seeds` are more
    named starting plans: the cheapest feasible one of them and `start` seeds the search.
    `r_mip_blocks`: up to this many candidate blocks SCIP gets them whole instead of LNS (default
    `wave_decompose.R_MIP_BLOCKS`, for waves of seconds; more suits longer time limits).
    `unit_price` [sku, node] (>= 0, e.g. look-ahead prices) is added to every unit taken: the
    search minimises the contract's cost plus prices, so `lower_bound` and the status are about
    that priced objective (`extra["objective"]`, with `extra["priced"]`), while `cost` stays the
    contract's."""
    started = time.perf_counter()
    deadline = started + max(time_limit, 0.0) * DEADLINE_SHARE - RESERVE_S
    d = wm.build_data(problem, windows, unit_price)
    objective = _objective(problem, unit_price)
    given = dict(seeds or {}) | ({"start": start} if start is not None else {})
    candidates = dict(given)
    if not any(_fits(problem, d, a) for a in given.values()):  # no usable start: make seeds
        candidates |= _default_seeds(problem, started, time_limit)
    seed, seed_name = _best_seed(problem, d, candidates, objective)
    seed.bound = counting_bound(problem)  # prices are >= 0: a bound on the priced one too

    def price(qty: I64) -> float:
        alloc = wm.qty_to_alloc(d, qty)
        if cost.violations(problem, alloc) or d.side.violated(qty):
            return math.inf  # rounding noise broke a rule: worth nothing
        return objective(alloc)

    result = wd.search(d, seed, price, deadline, r_mip_blocks)
    alloc = wm.qty_to_alloc(d, result.qty)
    plan_objective = objective(alloc)
    bound = _safe(result.bound, plan_objective)
    proven = bound is not None and plan_objective <= bound + 1e-6 * max(1.0, plan_objective)
    extra: dict[str, object] = {
        "search": {"seed": seed_name, "seed_cost": seed.cost, **result.stats}
    }
    if unit_price is not None:  # the plan's file stays as it was without prices
        extra |= {"priced": True, "objective": plan_objective}
    return cost.make_plan(
        problem,
        alloc,
        status="optimal" if proven else "feasible",
        mode="wave",
        lower_bound=bound,
        elapsed_s=time.perf_counter() - started,
        extra=extra,
    )


def _objective(problem: Problem, unit_price: F64 | None) -> Callable[[Allocations], float]:
    """What the search minimises: the contract's total, plus each unit's price when given."""

    def total(alloc: Allocations) -> float:
        contract = cost.evaluate(problem, alloc).cost.total
        if unit_price is None:
            return contract
        sku = problem.orders.line_sku[alloc.line]
        return contract + float(unit_price[sku, alloc.node] @ alloc.qty)

    return total


def reoptimise(
    problem: Problem, current: Allocations, time_limit: float = 30.0
) -> tuple[Plan, float]:
    """Orders already sourced but not yet released: improve their plan, starting from it.
    Returns the new plan (never worse than a feasible `current`) and the saving (>= 0)."""
    before = cost.evaluate(problem, current).cost.total
    plan = solve_wave(problem, time_limit, start=current)
    if cost.violations(problem, current):  # nothing to save on a plan that cannot ship
        return plan, 0.0
    return plan, max(0.0, before - plan.cost.total)


@dataclass(frozen=True)
class LpBound:
    """A proven lower bound on a problem's optimum and how it was reached."""

    value: float
    converged: bool  # column generation stopped on its own criterion, not on the time limit
    rounds: int


def lp_bound(
    problem: Problem, time_limit: float = 60.0, *, start: Allocations | None = None
) -> LpBound:
    """The wave search's bound alone: column generation run to convergence (the LP bound, as a
    Lagrangian bound valid for the whole problem), or as far as `time_limit` allows, and never
    below `counting_bound`. With no time limit reached, the same problem gives the same bound
    (no search, no random moves), which suits reports that must be reproducible."""
    deadline = time.perf_counter() + max(time_limit, 0.0)
    d = wm.build_data(problem)
    qty = wm.alloc_to_qty(d, start) if start is not None else None
    seed = wm.used_blocks(d, qty) if qty is not None else np.zeros(d.n_blocks, dtype=np.bool_)
    state = wd.LpState(wd.initial_blocks(d, wd.INITIAL_BLOCKS, seed))
    if d.n_pairs:
        wd.column_generation(d, state, deadline)
    converged = d.n_pairs == 0 or (state.rounds > 0 and time.perf_counter() < deadline)
    bound = max(state.bound, counting_bound(problem))
    safe = _safe(bound, math.inf)
    return LpBound(0.0 if safe is None else safe, converged, state.rounds)


# ---------------------------------------------------------------- seeds


def _default_seeds(problem: Problem, started: float, time_limit: float) -> dict[str, Allocations]:
    """The online plan, then the baselines in registry order, as many as fit the seed budget."""
    from oms.sourcing.online import source_online

    seeds = {"online": source_online(problem).allocations}  # always: it is fast
    for name, rule in strategies.BASELINE_RULES.items():
        spent = time.perf_counter() - started
        if spent + BASELINE_S_PER_ORDER * len(problem.orders) > SEED_SHARE * time_limit:
            break
        seeds[name] = strategies.plan_rows(rule, problem)
    return seeds


def _best_seed(
    problem: Problem,
    d: wm.WaveData,
    seeds: dict[str, Allocations],
    objective: Callable[[Allocations], float] | None = None,
) -> tuple[wd.Result, str]:
    """The cheapest feasible seed as units per pair (the empty plan is always feasible)."""
    total_of = objective or (lambda alloc: cost.evaluate(problem, alloc).cost.total)
    empty = wm.alloc_to_qty(d, Allocations.empty())
    assert empty is not None
    best = wd.Result(empty, total_of(Allocations.empty()))
    best_name = "empty"
    for name, alloc in seeds.items():
        qty = wm.alloc_to_qty(d, alloc)
        if qty is None or not _fits(problem, d, alloc):
            continue  # an infeasible start is no incumbent
        total = total_of(alloc)
        if total < best.cost:
            best, best_name = wd.Result(qty, total), name
    return best, best_name


def keeps_rules(problem: Problem, alloc: Allocations, windows: LineWindows | None = None) -> bool:
    """Is the plan feasible for the wave model: the contract's rules and the windows' rules?"""
    return _fits(problem, wm.build_data(problem, windows), alloc)


def _fits(problem: Problem, d: wm.WaveData, alloc: Allocations) -> bool:
    """The plan keeps every rule: the contract's and the side rows' (none of its allocations
    outside the model's pairs)."""
    qty = wm.alloc_to_qty(d, alloc)
    return qty is not None and not cost.violations(problem, alloc) and not d.side.violated(qty)


def counting_bound(problem: Problem) -> float:
    """A bound that needs no solver: units beyond a SKU's stock in the whole network, or beyond
    all nodes' capacity, go unfilled; every other unit costs at least the cheaper of the lowest
    handling cost and the unfilled penalty."""
    o, n, s = problem.orders, problem.nodes, problem.settings
    demand = np.bincount(o.line_sku, weights=o.line_qty, minlength=len(problem.sku_ids))
    short = float(np.maximum(demand - problem.stock.sum(axis=1), 0).sum())
    total = float(demand.sum())
    capacity = float(np.minimum(n.capacity, NO_LIMIT // max(len(n), 1)).sum())
    unfilled = max(short, total - capacity)
    cheapest = min(s.unfilled_penalty, float(n.handling_cost.min(initial=s.unfilled_penalty)))
    return s.unfilled_penalty * unfilled + cheapest * (total - unfilled)


def _safe(bound: float, plan_cost: float) -> float | None:
    """The bound rounded down against floating-point noise; every cost term is >= 0, so 0 is a
    bound too; never above the plan's own cost."""
    if math.isnan(bound):
        return None
    return min(plan_cost, max(0.0, bound - 1e-7 * max(1.0, abs(bound))))
