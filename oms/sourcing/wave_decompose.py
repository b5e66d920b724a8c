"""The wave search: a Lagrangian bound from column generation, plans from restricted MIPs.

1. Bound. Stock, capacity and line rows are dualised; each order's subproblem (choose at most
   max_shipments blocks, pay the split penalty) is then solved exactly in closed form over *all*
   of its blocks (`lagrangian_bound`). By weak duality this bounds the whole problem for any
   non-negative prices, so solver tolerances and columns never generated cannot make it wrong.
   It also gives, per block, a bound on any plan that ships from it (`forced`).
2. Column generation. The LP starts from a few promising blocks per order plus the seed's; its
   duals price every block of the problem, blocks with a negative reduced cost join, and the LP is
   solved again (cold with HiGHS, then warm from the last basis with GLOP). At convergence the
   Lagrangian bound equals the full LP bound, though the LP only ever held ~5% of the blocks.
3. Candidates R: the LP's support, the seed's blocks and the near-ties (reduced cost within a
   small share of a shipment's price). Nothing outside R is used by the plans below; the bound
   tells what that could cost: any plan either ships from R only (cost >= the MIP bound over R)
   or from some block b outside it (cost >= forced[b]).
4. LP rounding: the LP ships almost every order integrally (all but ~3% on the target waves);
   those are kept (less the orders breaking a side row whose gate the LP left fractional), and
   SCIP re-solves the others over R with what the kept ones leave, starting from leaving them
   unserved (feasible, so rounding always yields a plan).
5. SCIP over the whole of R when R is small, hinted with the best plan.
6. Large neighbourhood search for the time left: free the orders that could ship from a few
   random nodes, fix the others (their units leave stock and capacity), re-solve, keep gains.
Small waves skip all this: SCIP solves the MIP over every block and usually proves optimality.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from oms.sourcing import wave_mathopt as mo
from oms.sourcing import wave_model as wm
from oms.sourcing.contract import F64, I64, B

# Up to this many pairs, SCIP gets the whole MIP (it also proves optimality on small waves).
FULL_MIP_PAIRS = 6_000
# Up to this many blocks in R, SCIP gets the whole MIP over R. Measured: 2,500-3,000 blocks solve
# to optimality in ~2 s; 6,500 were 0.48% above the LP after 10 s and 10,700 after 15 s, where
# LP rounding is within 0.12% in about 1 s.
R_MIP_BLOCKS = 5_000
# SCIP; HiGHS (through MathOpt) did as well on these MIPs, CP-SAT much worse (see wave.py).
MIP_SOLVER = "scip"
# Initial blocks per order for the LP; pricing adds the rest where the duals ask for them.
INITIAL_BLOCKS = 3
# Blocks added per order per pricing round (the most negative reduced costs first).
ADD_PER_ORDER = 2
PRICE_TOL = 1e-6
# HiGHS's algorithm for the cold LP: its IPM (with crossover, so a basis comes back) beat its
# dual simplex by 20-30% on the 8,000-order wave.
COLD_LP = "ipm"
# Column generation stops when its bound is this close (relative) to the restricted LP value.
CG_GAP = 1e-5
# Share of the time left that column generation may use.
CG_SHARE = 0.7
# Share of the time left that LP rounding's MIP may use.
ROUNDING_SHARE = 0.15
# Near-ties joining R: reduced cost within this share of the mean shipment cost.
NEAR_TIE = 0.1
# LNS: nodes drawn per move, most orders freed per move, time cap per move, least time for one.
LNS_NODES = 2
LNS_ORDERS = 200
LNS_STEP_S = 2.0
LNS_MIN_S = 0.2


@dataclass
class Result:
    qty: I64  # units per pair of the best plan found
    cost: float
    bound: float = -math.inf  # valid lower bound on the whole problem
    stats: dict[str, float | int | str] = field(default_factory=dict)


# ---------------------------------------------------------------- Lagrangian bound


@dataclass(frozen=True)
class Multipliers:
    """Non-negative prices on the dualised rows (a row absent from a model has price 0)."""

    line: F64  # per line
    stock: F64  # per stock row (sku * n_nodes + node)
    cap: F64  # per node
    side: F64 = field(default_factory=lambda: np.zeros(0))  # per side row (empty: all 0)

    @staticmethod
    def zero(d: wm.WaveData) -> Multipliers:
        z = np.zeros
        return Multipliers(z(len(d.line_qty)), z(len(d.stock_flat)), z(d.n_nodes), z(d.side.n_rows))


def lp_multipliers(d: wm.WaveData, m: wm.Model, duals: F64) -> Multipliers:
    """An LP's row duals (<= 0 on <= rows of a minimisation) as non-negative prices."""
    out = Multipliers.zero(d)
    for name, idx, arr in (
        ("line", m.rows.line, out.line),
        ("stock", m.rows.stock, out.stock),
        ("cap", m.rows.cap, out.cap),
        ("side", m.rows.side, out.side),
    ):
        start = m.row_start[name]
        arr[idx] = np.maximum(-duals[start : start + len(idx)], 0.0)
    return out


def block_values(d: wm.WaveData, w: Multipliers) -> F64:
    """Each block's best Lagrangian value: shipment cost + its pairs' negative reduced costs."""
    rc = d.pair_cost + w.line[d.pair_line] + w.stock[d.pair_row] + w.cap[d.pair_node]
    rc += d.side.pair_prices(w.side, d.n_pairs)
    gain = np.bincount(d.pair_block, weights=np.minimum(rc, 0.0) * d.pair_ub, minlength=d.n_blocks)
    return d.block_cost + gain


def order_values(d: wm.WaveData, v: F64) -> tuple[F64, F64]:
    """Per order: the exact min over block sets S (|S| <= max_shipments) of
    sum(v[S]) + split * (|S| - 1)+, and the best further blocks when one block is forced in."""
    order = np.lexsort((v, d.block_order))
    vs, os_ = v[order], d.block_order[order]
    first = np.searchsorted(os_, np.arange(d.n_orders))
    rank = np.arange(len(vs)) - first[os_]
    # Blocks cheapest first: the k-th (k >= 1) costs v + split. Steps never decrease, so taking
    # the prefix of negative steps is optimal.
    step = np.where(rank == 0, vs, vs + d.split_penalty)
    ok = (rank < d.order_max[os_]) & (step < 0)
    taken = np.where(ok, step, 0.0)
    best = np.bincount(os_, weights=taken, minlength=d.n_orders).astype(np.float64)
    # With block b forced in: b plus at most max-1 further blocks at v + split each; drawing them
    # from all blocks (b included) can only lower the value, so it stays a bound.
    ok2 = (rank < d.order_max[os_] - 1) & (vs + d.split_penalty < 0)
    extra = np.where(ok2, vs + d.split_penalty, 0.0)
    rest = np.bincount(os_, weights=extra, minlength=d.n_orders).astype(np.float64)
    return best, rest


def lagrangian_bound(d: wm.WaveData, w: Multipliers) -> tuple[float, F64]:
    """A lower bound on the whole problem's optimum for any prices w >= 0, and, per block, a lower
    bound on the cost of any plan that ships from that block."""
    v = block_values(d, w)
    best, rest = order_values(d, v)
    s, c = w.stock > 0, w.cap > 0  # unpriced rows may hold NO_LIMIT: keep them out of products
    const = d.offset - float(w.line @ d.line_qty) - float(w.stock[s] @ d.stock_flat[s])
    const -= float(w.cap[c] @ d.capacity[c])
    const += d.side.lagrangian_constant(w.side)
    total = const + float(best.sum())
    forced = total - best[d.block_order] + v + rest[d.block_order]
    return total, forced


# ---------------------------------------------------------------- column generation


@dataclass
class LpState:
    blocks: B  # blocks in the restricted LP
    y: F64 | None = None  # per block, the last LP's y (0 outside it)
    x: F64 | None = None  # per pair, the last LP's units (0 outside it)
    lp_value: float = math.inf
    bound: float = -math.inf  # best Lagrangian bound so far (whole problem)
    forced: F64 | None = None  # per block: bound on any plan that ships from it
    rounds: int = 0
    basis: mo.Basis | None = None  # the last LP's, to warm-start the next


def ranks(d: wm.WaveData, score: F64) -> I64:
    """Rank of each block among its order's blocks by score (0 = lowest)."""
    order = np.lexsort((score, d.block_order))
    first = np.searchsorted(d.block_order[order], np.arange(d.n_orders))
    rank = np.empty(d.n_blocks, dtype=np.int64)
    rank[order] = np.arange(d.n_blocks) - first[d.block_order[order]]
    return rank


def initial_blocks(d: wm.WaveData, per_order: int, seed: B) -> B:
    """Each order's best blocks at zero prices (most units, then cheapest), and the seed's."""
    return (ranks(d, block_values(d, Multipliers.zero(d))) < per_order) | seed


def order_duals(d: wm.WaveData, m: wm.Model, duals: F64) -> F64:
    """Per order: the prices of its max-shipments and split rows (what a new y column pays)."""
    out = np.zeros(d.n_orders)
    for name, idx in (("maxship", m.rows.maxship), ("split", m.rows.split)):
        start = m.row_start[name]
        out[idx] += np.maximum(-duals[start : start + len(idx)], 0.0)
    return out


def column_generation(
    d: wm.WaveData, state: LpState, deadline: float, max_rounds: int = 1_000
) -> LpState:
    """Solve the LP over `state.blocks`, price every block, add those that price out; repeat until
    none does, the bound meets the LP, or the deadline comes. The bound is valid at every step."""
    while time.perf_counter() < deadline and state.rounds < max_rounds:
        m = wm.build_model(d, state.blocks, relax=True)
        # Cold: HiGHS. Warm: GLOP from the last basis (10x fewer iterations; HiGHS through
        # MathOpt ignores a starting basis).
        warm = state.basis.carried_to(m) if state.basis is not None else None
        sol = mo.solve(
            mo.to_proto(m),
            "glop" if warm else "highs",
            deadline - time.perf_counter(),
            basis=warm,
            highs_solver=COLD_LP,
        )
        if warm is not None and sol.values is None and time.perf_counter() < deadline:
            state.basis = None  # the solver refused the warm start: go again, cold
            continue
        if sol.duals is None or sol.values is None or not sol.optimal:
            break  # out of time: keep the last complete round
        if sol.basis is not None:
            state.basis = mo.Basis(m.var_key, sol.basis[0], m.row_key, sol.basis[1])
        _record_round(d, state, m, sol)
        w = lp_multipliers(d, m, sol.duals)
        rc = block_values(d, w) + order_duals(d, m, sol.duals)[d.block_order]
        rc = np.where(state.blocks, np.inf, rc)
        new = (ranks(d, rc) < ADD_PER_ORDER) & (rc < -PRICE_TOL)
        if not new.any() or state.lp_value - state.bound <= CG_GAP * abs(state.lp_value):
            break
        state.blocks = state.blocks | new
    return state


def _record_round(d: wm.WaveData, state: LpState, m: wm.Model, sol: mo.Solution) -> None:
    assert sol.values is not None and sol.duals is not None
    state.rounds += 1
    state.y = np.zeros(d.n_blocks)
    state.y[m.blocks] = m.block_values(sol.values)
    state.x = np.zeros(d.n_pairs)
    state.x[m.pairs] = sol.values[: len(m.pairs)]
    state.lp_value = sol.objective
    bound, forced = lagrangian_bound(d, lp_multipliers(d, m, sol.duals))
    if bound > state.bound:
        state.bound, state.forced = bound, forced


def candidate_blocks(d: wm.WaveData, state: LpState, incumbent: I64, tie: float) -> B:
    """R: the LP's support, the incumbent's blocks and the near-ties (reduced cost within `tie`
    times the mean shipment cost)."""
    assert state.y is not None and state.forced is not None
    slack = tie * float(np.mean(d.block_cost)) if d.n_blocks else 0.0
    return (state.y > 1e-6) | wm.used_blocks(d, incumbent) | (state.forced <= state.bound + slack)


# ---------------------------------------------------------------- restricted MIPs


@dataclass(frozen=True)
class MipOutcome:
    qty: I64 | None
    bound: float  # SCIP's bound on the restricted MIP
    optimal: bool  # for the restricted MIP


def restricted_mip(
    d: wm.WaveData, blocks: B, hint: I64 | None, deadline: float, *, exact: bool = True
) -> MipOutcome:
    """SCIP over the chosen blocks, hinted with a plan that uses only those blocks; `exact`
    asks for a zero gap (for proofs), else a small one (for quick sub-MIPs)."""
    m = wm.build_model(d, blocks, relax=False)
    h = wm.hint_vector(d, m, hint) if hint is not None else None
    left = deadline - time.perf_counter()
    sol = mo.solve(mo.to_proto(m), MIP_SOLVER, left, hint=h, exact=exact)
    qty = wm.values_to_qty(d, m, sol.values) if sol.values is not None else None
    return MipOutcome(qty, sol.bound, sol.optimal)


def sub_mip(
    d: wm.WaveData, free: B, blocks: B, current: I64, deadline: float, hint: I64 | None = None
) -> I64 | None:
    """Re-solve the orders in `free` over their `blocks`, the others fixed at `current` (their
    units leave stock and capacity); `hint` (default: `current`) must be feasible for the free
    orders. Returns the whole new plan, or None."""
    pair_free = free[d.line_order[d.pair_line]]
    kept = np.where(pair_free, 0, current)
    taken = np.bincount(d.pair_row, weights=kept, minlength=len(d.stock_flat)).astype(np.int64)
    load = np.bincount(d.pair_node, weights=kept, minlength=d.n_nodes).astype(np.int64)
    sub = replace(
        d, stock_flat=d.stock_flat - taken, capacity=d.capacity - load, side=d.side.less(kept)
    )
    start = np.where(pair_free, current if hint is None else hint, 0)
    mine = free[d.block_order] & (blocks | wm.used_blocks(d, start))
    if not mine.any():
        return None
    out = restricted_mip(sub, mine, start, deadline, exact=False)
    return None if out.qty is None else np.where(pair_free, out.qty, current)


def lp_rounding(d: wm.WaveData, state: LpState, blocks: B, deadline: float) -> I64:
    """Keep the orders the LP serves integrally; a MIP re-solves the fractional ones, starting
    from leaving them unserved (always feasible, and the answer if the MIP finds nothing)."""
    assert state.x is not None and state.y is not None
    frac_pair = np.abs(state.x - np.rint(state.x)) > 1e-6
    frac_block = (state.y > 1e-6) & (state.y < 1 - 1e-6)
    free = np.zeros(d.n_orders, dtype=np.bool_)
    free[d.line_order[d.pair_line[frac_pair]]] = True
    free[d.block_order[frac_block]] = True
    lp_qty = np.clip(np.rint(state.x).astype(np.int64), 0, d.pair_ub)
    lp_qty[free[d.line_order[d.pair_line]]] = 0
    # A side row's gate may be fractional in the LP: free the orders on the gate's rows (both
    # sides of the choice) where they break one.
    rows = d.side.with_gates(d.side.broken(lp_qty))
    broken = d.side.pairs_of(rows, d.n_pairs) & (lp_qty > 0)
    free[d.line_order[d.pair_line[broken]]] = True
    lp_qty[free[d.line_order[d.pair_line]]] = 0
    if not free.any():
        return lp_qty
    out = sub_mip(d, free, blocks, lp_qty, deadline)
    return lp_qty if out is None else out


def lns(
    d: wm.WaveData, blocks: B, best: Result, price: Callable[[I64], float], deadline: float
) -> int:
    """Free the orders that could ship from a few random nodes, re-solve them, keep gains (in
    `best`). Returns the number of improving moves."""
    rng = np.random.default_rng(0)
    weight = np.bincount(d.block_node[blocks], minlength=d.n_nodes).astype(np.float64)
    k = min(LNS_NODES, int(np.count_nonzero(weight)))
    moves = 0
    while k and time.perf_counter() + LNS_MIN_S < deadline:
        nodes = rng.choice(d.n_nodes, size=k, replace=False, p=weight / weight.sum())
        ids = np.unique(d.block_order[blocks & np.isin(d.block_node, nodes)])
        if len(ids) > LNS_ORDERS:
            ids = rng.choice(ids, size=LNS_ORDERS, replace=False)
        free = np.zeros(d.n_orders, dtype=np.bool_)
        free[ids] = True
        q = sub_mip(d, free, blocks, best.qty, min(deadline, time.perf_counter() + LNS_STEP_S))
        if q is not None and _keep_better(best, q, price):
            moves += 1
    return moves


def _keep_better(best: Result, qty: I64 | None, price: Callable[[I64], float]) -> bool:
    """Take `qty` into `best` when it is cheaper (price returns inf for an infeasible plan)."""
    if qty is None:
        return False
    total = price(qty)
    if total < best.cost - 1e-9:
        best.qty, best.cost = qty, total
        return True
    return False


# ---------------------------------------------------------------- the search


def search(
    d: wm.WaveData,
    seed: Result,
    price: Callable[[I64], float],
    deadline: float,
    r_mip_blocks: int | None = None,
) -> Result:
    """The best plan found by `deadline` from the seed (never worse), with a bound (at least the
    seed's); SCIP gets the whole of R up to `r_mip_blocks` blocks (default R_MIP_BLOCKS)."""
    limit = R_MIP_BLOCKS if r_mip_blocks is None else r_mip_blocks
    best = _search(d, seed, price, deadline, limit)
    best.bound = max(best.bound, seed.bound)
    return best


def _search(
    d: wm.WaveData,
    seed: Result,
    price: Callable[[I64], float],
    deadline: float,
    r_mip_blocks: int,
) -> Result:
    best = Result(seed.qty, seed.cost)
    clock = _Clock(best.stats)
    if d.n_pairs == 0:  # nothing can be allocated: the seed (empty plan) is the only plan
        best.bound = seed.cost
    elif d.n_pairs <= FULL_MIP_PAIRS:
        out = restricted_mip(d, np.ones(d.n_blocks, dtype=np.bool_), best.qty, deadline)
        _keep_better(best, out.qty, price)
        best.bound = out.bound
        best.stats.update(method="mip", mip_blocks=d.n_blocks)
        clock.lap("mip_s")
    else:
        _decomposed(d, best, price, deadline, clock, r_mip_blocks)
    return best


def _decomposed(
    d: wm.WaveData,
    best: Result,
    price: Callable[[I64], float],
    deadline: float,
    clock: _Clock,
    r_mip_blocks: int,
) -> None:
    """Steps 2-6 of the module docstring, improving `best` in place."""
    state = LpState(initial_blocks(d, INITIAL_BLOCKS, wm.used_blocks(d, best.qty)))
    column_generation(d, state, clock.now + CG_SHARE * (deadline - clock.now))
    best.stats.update(method="cg+lns", lp_rounds=state.rounds, lp_blocks=int(state.blocks.sum()))
    clock.lap("cg_s")
    if state.y is None or state.forced is None:  # no LP in time: search around the seed
        best.stats["lns_moves"] = lns(d, state.blocks, best, price, deadline)
        clock.lap("lns_s")
        return
    best.bound = state.bound
    # The full LP bound lies in [state.bound, lp_value]; they meet when pricing has converged.
    best.stats.update(lp_value=round(state.lp_value, 6), lagrangian_bound=round(state.bound, 6))
    blocks = candidate_blocks(d, state, best.qty, NEAR_TIE)
    best.stats["r_blocks"] = int(blocks.sum())
    rounding_deadline = clock.now + ROUNDING_SHARE * (deadline - clock.now)
    _keep_better(best, lp_rounding(d, state, blocks, rounding_deadline), price)
    clock.lap("rounding_s")
    if blocks.sum() <= r_mip_blocks and clock.now + LNS_MIN_S < deadline:
        out = restricted_mip(d, blocks, best.qty, deadline)
        _keep_better(best, out.qty, price)
        outside = float(state.forced[~blocks].min(initial=math.inf))
        best.bound = max(best.bound, min(out.bound, outside))
        clock.lap("r_mip_s")
        if out.optimal:  # LNS searches inside R too: nothing left for it to find
            return
    best.stats["lns_moves"] = lns(d, blocks, best, price, deadline)
    clock.lap("lns_s")


class _Clock:
    """Wall time per phase, recorded in the result's stats."""

    def __init__(self, stats: dict[str, float | int | str]) -> None:
        self.stats = stats
        self.last = time.perf_counter()

    @property
    def now(self) -> float:
        return time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stats[name] = round(now - self.last, 3)
        self.last = now
