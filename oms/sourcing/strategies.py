"""Baseline sourcing strategies: the policies users of other OMSs live with.

They exist to be beaten side by side by the optimiser, so each is the plain rule its name says:

- `priority`: nodes in the problem's node order, greedy per line (Saleor's "prioritize sorting
  order").
- `nearest`: per line, the nearest eligible node with stock, then the next nearest.
- `fewest-splits`: fewest nodes covering the whole order, then nearest (Salesforce's "fewest
  splits"): one node if any covers it, else the closest covering pair, else greedy set cover.

All are online, as at checkout: orders are decided one at a time in file order, each against the
stock and capacity that earlier orders left. Every per-order function takes the remaining `stock`
([sku, node] int64) and `capacity_left` (per node int64) arrays, mutates them, and returns the
order's allocations as (line, node, qty) rows; `source_orders` runs one over a range of orders.
Eligibility, distances and prices come from `cost.py` and `geo.py`, never from a rule of their
own. Their names, and how `oms source` and the replay run them, are in `registry.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import numpy as np

from oms.domain.geo import haversine_km
from oms.sourcing import cost
from oms.sourcing.contract import F64, I64, Allocations, Problem

Row = tuple[int, int, int]  # (global line index, node, qty)
OrderSourcer = Callable[[Problem, int, I64, I64], list[Row]]
# (column in the order's eligible-node arrays, units per order SKU) in the order nodes are used.
Picks = list[tuple[int, I64]]

# fewest-splits looks for a covering pair among this many best-covering nodes only: a baseline
# need not search all 200 * 199 / 2 pairs, and K * K stays cheap per order.
PAIR_CANDIDATES = 32
# `source_orders` reports progress every this many orders.
PROGRESS_EVERY = 500


def distances_km(problem: Problem, order: int) -> F64:
    """Great-circle distance from every node to the order's destination."""
    n, o = problem.nodes, problem.orders
    k = len(n)
    return haversine_km(n.lat, n.lon, np.full(k, o.dest_lat[order]), np.full(k, o.dest_lon[order]))


def _eligible(problem: Problem, order: int) -> I64:
    return np.flatnonzero(cost.eligible_nodes(problem, order)).astype(np.int64)


# ---------------------------------------------------------------- priority and nearest


def source_order_priority(
    problem: Problem, order: int, stock: I64, capacity_left: I64
) -> list[Row]:
    """Greedy per line over eligible nodes in the problem's node order."""
    return _fill_lines_by_rank(problem, order, _eligible(problem, order), stock, capacity_left)


def source_order_nearest(problem: Problem, order: int, stock: I64, capacity_left: I64) -> list[Row]:
    """Greedy per line over eligible nodes by distance to the destination (ties: node order)."""
    nodes = _eligible(problem, order)
    dist = distances_km(problem, order)[nodes]
    rank = nodes[np.argsort(dist, kind="stable")]
    return _fill_lines_by_rank(problem, order, rank, stock, capacity_left)


def _fill_lines_by_rank(
    problem: Problem, order: int, rank: I64, stock: I64, capacity_left: I64
) -> list[Row]:
    """Each line in turn takes what it can from the ranked nodes, first to last. Once the order
    uses max_shipments nodes, only those nodes may serve it further."""
    o = problem.orders
    limit = int(o.max_shipments[order])
    used = np.zeros(len(problem.nodes), dtype=np.bool_)
    n_used = 0
    rows: list[Row] = []
    start, end = int(o.line_start[order]), int(o.line_start[order + 1])
    skus, qtys = o.line_sku[start:end].tolist(), o.line_qty[start:end].tolist()
    for line, sku, need in zip(range(start, end), skus, qtys, strict=True):
        ranked = rank if n_used < limit else rank[used[rank]]
        # One vectorised look per line for the nodes that can give anything, in rank order.
        nodes = ranked[np.minimum(stock[sku, ranked], capacity_left[ranked]) > 0]
        i = 0
        while need > 0 and i < len(nodes):
            node = int(nodes[i])
            if not used[node]:
                if n_used >= limit:
                    # The order reached max_shipments within this line: only its nodes remain.
                    rest = nodes[i:]
                    nodes = np.concatenate((nodes[:i], rest[used[rest]]))
                    continue
                used[node] = True
                n_used += 1
            q = min(need, int(stock[sku, node]), int(capacity_left[node]))
            stock[sku, node] -= q
            capacity_left[node] -= q
            rows.append((line, node, q))
            need -= q
            i += 1
    return rows


# ---------------------------------------------------------------- fewest splits


def source_order_fewest_splits(
    problem: Problem, order: int, stock: I64, capacity_left: I64
) -> list[Row]:
    """Fewest nodes that cover the order, then nearest; leftovers stay unfilled."""
    nodes = _eligible(problem, order)
    if len(nodes) == 0:
        return []
    skus, demand, line_slot = _order_demand(problem, order)
    dist = distances_km(problem, order)[nodes]
    have = stock[np.ix_(skus, nodes)]  # [order SKU, eligible node]
    cap = capacity_left[nodes]
    give = np.minimum(have, demand[:, None])  # what each node can give of each SKU, ignoring cap
    cover = np.minimum(give.sum(axis=0), cap)  # units of the order each node can ship alone
    total = int(demand.sum())
    limit = int(problem.orders.max_shipments[order])
    picks = _best_single(cover, dist, demand, total)
    if picks is None and limit >= 2:
        picks = _best_pair(give, cover, cap, dist, demand, total)
    if picks is None:
        picks = _greedy_cover(have, cap, dist, demand, limit)
    return _apply_picks(problem, order, nodes, line_slot, picks, stock, capacity_left)


def _order_demand(problem: Problem, order: int) -> tuple[I64, I64, list[int]]:
    """The order's distinct SKUs (first-seen order), units wanted of each, and each line's slot:
    two lines of one SKU share a node's stock, so coverage is judged per SKU."""
    o = problem.orders
    start, end = int(o.line_start[order]), int(o.line_start[order + 1])
    slot_of: dict[int, int] = {}
    demand: list[int] = []
    line_slot: list[int] = []
    skus, qtys = o.line_sku[start:end].tolist(), o.line_qty[start:end].tolist()
    for sku, qty in zip(skus, qtys, strict=True):
        slot = slot_of.setdefault(sku, len(slot_of))
        if slot == len(demand):
            demand.append(0)
        demand[slot] += qty
        line_slot.append(slot)
    return np.array(list(slot_of), dtype=np.int64), np.array(demand, dtype=np.int64), line_slot


def _best_single(cover: I64, dist: F64, demand: I64, total: int) -> Picks | None:
    full = cover >= total
    if not full.any():
        return None
    return [(int(np.argmin(np.where(full, dist, np.inf))), demand.copy())]


def _best_pair(give: I64, cover: I64, cap: I64, dist: F64, demand: I64, total: int) -> Picks | None:
    """The covering pair with the least total distance. A pair (a, b) covers the order exactly
    when every SKU is covered by a and b together and cover[a] + cover[b] >= total (the units
    split into a part each node can give and ship; see `_split_pair`)."""
    cand = np.flatnonzero(cover > 0)
    if len(cand) > PAIR_CANDIDATES:
        best = np.lexsort((dist[cand], -cover[cand]))[:PAIR_CANDIDATES]
        cand = np.sort(cand[best])  # node order, so argmin breaks ties by node order
    if len(cand) < 2:
        return None
    g, c, d = give[:, cand], cover[cand], dist[cand]
    ok = np.all(g[:, :, None] + g[:, None, :] >= demand[:, None, None], axis=0)
    ok &= c[:, None] + c[None, :] >= total  # cover <= total, so this sum cannot overflow
    np.fill_diagonal(ok, False)
    if not ok.any():
        return None
    pair_dist = np.where(ok, d[:, None] + d[None, :], np.inf)
    a, b = np.unravel_index(int(np.argmin(pair_dist)), pair_dist.shape)
    first, second = int(cand[a]), int(cand[b])
    if dist[second] < dist[first]:
        first, second = second, first  # the nearer node ships as much as it can
    x = _split_pair(give[:, first], give[:, second], int(cap[first]), demand)
    return [(first, x), (second, demand - x)]


def _split_pair(g1: I64, g2: I64, cap1: int, demand: I64) -> I64:
    """Units of each SKU the first node ships: as many as it can, cut back to its capacity while
    leaving the second node no more of any SKU than it can give."""
    hi, lo = g1, demand - g2
    excess = int(hi.sum()) - cap1
    if excess <= 0:
        return hi.copy()
    slack = hi - lo
    cut: I64 = np.clip(excess - (np.cumsum(slack) - slack), 0, slack)
    return hi - cut


def _greedy_cover(have: I64, cap: I64, dist: F64, demand: I64, limit: int) -> Picks:
    """Repeatedly take the node covering the most remaining units (ties: nearest) until the order
    is covered, no node helps, or the order has max_shipments nodes."""
    have, cap, rem = have.copy(), cap.copy(), demand.copy()
    picks: Picks = []
    while len(picks) < limit:
        give = np.minimum(have, rem[:, None])
        cover = np.minimum(give.sum(axis=0), cap)
        most = cover.max()
        if most <= 0:
            break
        tied = np.flatnonzero(cover == most)
        j = int(tied[np.argmin(dist[tied])])
        x = _first_units(give[:, j], int(cap[j]))
        picks.append((j, x))
        have[:, j] -= x
        cap[j] -= int(x.sum())
        rem -= x
    return picks


def _first_units(g: I64, cap: int) -> I64:
    """`g`, cut to `cap` units in all, keeping the order's first SKUs first."""
    if int(g.sum()) <= cap:
        return g.copy()
    kept: I64 = np.clip(cap - (np.cumsum(g) - g), 0, g)
    return kept


def _apply_picks(
    problem: Problem,
    order: int,
    nodes: I64,
    line_slot: list[int],
    picks: Picks,
    stock: I64,
    capacity_left: I64,
) -> list[Row]:
    """Hand the picked per-SKU units to the lines (in line order) and take them from stock."""
    o = problem.orders
    left = [(int(nodes[j]), x.tolist()) for j, x in picks]
    rows: list[Row] = []
    for line, slot in zip(o.lines_of(order), line_slot, strict=True):
        need, sku = int(o.line_qty[line]), int(o.line_sku[line])
        for node, units in left:
            q = min(need, units[slot])
            if q <= 0:
                continue
            units[slot] -= q
            stock[sku, node] -= q
            capacity_left[node] -= q
            rows.append((line, node, q))
            need -= q
            if need == 0:
                break
    return rows


# ---------------------------------------------------------------- ranges of orders


def source_orders(
    rule: OrderSourcer,
    problem: Problem,
    stock: I64,
    capacity_left: I64,
    first: int,
    end: int,
    progress: Callable[[int], None] | None = None,
) -> Allocations:
    """Orders `first` to `end - 1` in turn by one per-order rule, each against what earlier ones
    left: their units are taken off `stock` and `capacity_left`. Progress is told every
    PROGRESS_EVERY orders, and the rest at the end."""
    rows: list[tuple[int, int, int, int]] = []
    for order in range(first, end):
        rows.extend((order, *row) for row in rule(problem, order, stock, capacity_left))
        if progress is not None and (order - first + 1) % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None:
        progress((end - first) % PROGRESS_EVERY)
    return Allocations.from_rows(rows)


def plan_rows(rule: OrderSourcer, problem: Problem) -> Allocations:
    """The allocations of a whole problem decided order by order by one rule."""
    stock, capacity = problem.stock.copy(), problem.nodes.capacity.copy()
    return source_orders(rule, problem, stock, capacity, 0, len(problem.orders))


# The baselines' per-order rules, by name, in the registry's order (the registry describes them;
# the wave optimiser seeds with them).
BASELINE_RULES: Mapping[str, OrderSourcer] = MappingProxyType(
    {
        "nearest": source_order_nearest,
        "priority": source_order_priority,
        "fewest-splits": source_order_fewest_splits,
    }
)
