"""Numba kernels of the exact one-order search: node sets, their allocation, pruning.

The exact search (`search_kernel`) and why its pruning is safe
---------------------------------------------------------------
Per order, lines are merged by SKU (they share a node's stock). A *candidate* is an eligible node
with remaining capacity, handling cost below the unfilled penalty (else a unit there never beats
leaving it unfilled) and stock of at least one ordered SKU. For a set S of candidates the best
allocation is a min-cost flow (SKU -> node -> sink, node capacities); when capacities do not bind
it is the per-SKU greedy by handling cost, which is exact, so the flow runs only when they bind.

1. Every single candidate is evaluated (and the empty set: all unfilled). That is the incumbent.
2. Cost bound: any set costs at least sum_{n in S} f_n + P (|S| - 1) + HLB, where f_n is the
   shipment cost, P the split penalty and HLB the cheapest conceivable handling/unfilled cost of the
   order's units. A node with f_n + P + HLB >= incumbent can be in no better set of 2+ nodes.
3. Dominance: m dominates n when f_m <= f_n, h_m <= h_n, capacity_m >= capacity_n and m covers at
   least as many units of every SKU, with ties broken by sorted position (so the relation is a
   strict partial order). In a set of at most k nodes, a node with k dominators can be replaced by
   one of them that is not in the set: n's units fit at m (coverage and capacity) and cost no more.
   Repeating this ends (the order is acyclic), so some optimal set of <= k nodes uses only nodes
   with fewer than k dominators (the k-skyline). Scanning candidates by f and counting dominators
   among those already kept finds exactly them: a node's first k dominators are themselves kept.
4. Pairs and triples over the skyline, in increasing f, stop as soon as the cost bound of (2) for
   the remaining ones reaches the incumbent.
Hence the result is the true optimum whenever an optimal plan uses at most 3 nodes (at most
max_shipments when that is smaller). When more nodes are allowed and units remain unfilled, a
greedy step adds the node that lowers the cost most while it helps (a heuristic beyond 3 nodes).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from oms.sourcing.compiled_rules import split_cost, unfilled_cost

_EPS = 1e-9  # a set must beat the incumbent by more than rounding to replace it


@njit(cache=True)
def _flow_assign(sel, k, h, cov, cap, dem, n_u, unfilled_penalty, alloc, load):  # type: ignore[no-untyped-def]
    """Exact min-cost allocation of the SKUs to the nodes of `sel` under node capacities.

    Successive shortest paths (Bellman-Ford; the graph has a few dozen vertices) on
    source -> SKU (demand) -> node (stock, cost h - U) -> sink (capacity); stops when no path
    has negative cost. Returns the unfilled units."""
    v_n = 2 + n_u + k
    sink = v_n - 1
    res = np.zeros((v_n, v_n), dtype=np.int64)
    w = np.zeros((v_n, v_n), dtype=np.float64)
    for u in range(n_u):
        res[0, 1 + u] = dem[u]
        for a in range(k):
            c = cov[sel[a], u]
            if c > 0:
                res[1 + u, 1 + n_u + a] = c
                w[1 + u, 1 + n_u + a] = h[sel[a]] - unfilled_penalty
                w[1 + n_u + a, 1 + u] = unfilled_penalty - h[sel[a]]
    for a in range(k):
        res[1 + n_u + a, sink] = cap[sel[a]]
    dist = np.empty(v_n, dtype=np.float64)
    prev = np.empty(v_n, dtype=np.int64)
    while True:
        dist[:] = np.inf
        prev[:] = -1
        dist[0] = 0.0
        for _ in range(v_n - 1):
            changed = False
            for x in range(v_n):
                if dist[x] == np.inf:
                    continue
                for y in range(v_n):
                    if res[x, y] > 0 and dist[x] + w[x, y] < dist[y] - _EPS:
                        dist[y] = dist[x] + w[x, y]
                        prev[y] = x
                        changed = True
            if not changed:
                break
        if prev[sink] < 0 or dist[sink] >= -_EPS:
            break
        push = np.int64(2**62)
        y = sink
        while y != 0:
            push = min(push, res[prev[y], y])
            y = prev[y]
        y = sink
        while y != 0:
            res[prev[y], y] -= push
            res[y, prev[y]] += push
            y = prev[y]
    unfilled = 0
    for a in range(k):
        load[a] = 0
    for u in range(n_u):
        got = 0
        for a in range(k):
            q = res[1 + n_u + a, 1 + u] if cov[sel[a], u] > 0 else 0
            alloc[u, a] = q
            load[a] += q
            got += q
        unfilled += dem[u] - got
    return unfilled


@njit(cache=True)
def eval_set_kernel(  # type: ignore[no-untyped-def]
    sel, k, f, h, cov, cap, dem, n_u, split_penalty, unfilled_penalty, alloc, load, by_h
):
    """Cost of the best allocation of the order to the candidate set sel[:k]; writes alloc[u, a]."""
    for a in range(k):
        by_h[a] = a
    for a in range(1, k):  # insertion sort by handling cost: k is tiny
        b = a
        while b > 0 and h[sel[by_h[b - 1]]] > h[sel[by_h[b]]]:
            by_h[b - 1], by_h[b] = by_h[b], by_h[b - 1]
            b -= 1
    for a in range(k):
        load[a] = 0
    unfilled = 0
    for u in range(n_u):
        rem = dem[u]
        for b in range(k):
            a = by_h[b]
            t = min(rem, cov[sel[a], u])
            alloc[u, a] = t
            load[a] += t
            rem -= t
        unfilled += rem
    for a in range(k):
        if load[a] > cap[sel[a]]:
            unfilled = _flow_assign(sel, k, h, cov, cap, dem, n_u, unfilled_penalty, alloc, load)
            break
    ship = 0.0
    handling = 0.0
    used = 0
    for a in range(k):
        if load[a] > 0:
            used += 1
            ship += f[sel[a]]
            handling += load[a] * h[sel[a]]
    return (
        ship
        + handling
        + split_cost(used, split_penalty)
        + unfilled_cost(unfilled, unfilled_penalty)
    )


@njit(cache=True)
def handling_lower_bound(h, cov, m, dem, n_u, unfilled_penalty):  # type: ignore[no-untyped-def]
    """Least conceivable handling + unfilled cost of the order's units over all candidates."""
    lb = 0.0
    for u in range(n_u):
        min_h = unfilled_penalty
        total = 0
        for s in range(m):
            if cov[s, u] > 0:
                total += cov[s, u]
                min_h = min(min_h, h[s])
        coverable = min(total, dem[u])
        lb += coverable * min_h + (dem[u] - coverable) * unfilled_penalty
    return lb


@njit(cache=True)
def _dominates(i, j, f, h, cov, cap, n_u):  # type: ignore[no-untyped-def]
    if f[i] > f[j] or h[i] > h[j] or cap[i] < cap[j]:
        return False
    for u in range(n_u):  # noqa: SIM110 - a plain loop compiles in numba, all(genexpr) does not
        if cov[i, u] < cov[j, u]:
            return False
    return True


@njit(cache=True)
def skyline_kernel(order, n, f, h, cov, cap, n_u, k, out_kept):  # type: ignore[no-untyped-def]
    """Candidates (given in increasing f) with fewer than k dominators; returns how many."""
    n_kept = 0
    for t in range(n):
        j = order[t]
        dominators = 0
        for r in range(n_kept):
            if _dominates(out_kept[r], j, f, h, cov, cap, n_u):
                dominators += 1
                if dominators >= k:
                    break
        if dominators < k:
            out_kept[n_kept] = j
            n_kept += 1
    return n_kept


@njit(cache=True)
def _keep(sel, alloc, k, n_u, out_sel, out_alloc):  # type: ignore[no-untyped-def]
    for a in range(k):
        out_sel[a] = sel[a]
        for u in range(n_u):
            out_alloc[u, a] = alloc[u, a]


@njit(cache=True)
def search_kernel(  # type: ignore[no-untyped-def]
    f, h, cov, cap, dem, m, n_u, max_shipments, split_penalty, unfilled_penalty, out_sel, out_alloc
):
    """Minimum-cost node set and allocation for one order (see the module docstring).

    Returns (number of nodes chosen, cost); out_sel[:n] are candidate positions and
    out_alloc[u, a] the units of merged SKU u at out_sel[a]."""
    total = 0
    for u in range(n_u):
        total += dem[u]
    best = unfilled_cost(total, unfilled_penalty) * 1.0
    best_k = 0
    k_max = min(max_shipments, m)
    if k_max <= 0:
        return 0, best
    sel = np.empty(k_max + 1, dtype=np.int64)
    alloc = np.empty((n_u, k_max + 1), dtype=np.int64)
    load = np.empty(k_max + 1, dtype=np.int64)
    by_h = np.empty(k_max + 1, dtype=np.int64)
    args = (f, h, cov, cap, dem, n_u, split_penalty, unfilled_penalty, alloc, load, by_h)
    best_single = -1
    for s in range(m):
        # One node: every unit costs the same there, so it takes all it covers up to capacity.
        covered = 0
        for u in range(n_u):
            covered += cov[s, u]
        units = min(covered, cap[s])
        c = f[s] + units * h[s] + unfilled_cost(total - units, unfilled_penalty)
        if c < best - _EPS:
            best, best_single = c, s
    if best_single >= 0:
        sel[0] = best_single
        best = eval_set_kernel(sel, 1, *args)
        best_k = 1
        _keep(sel, alloc, 1, n_u, out_sel, out_alloc)
    if k_max >= 2:
        best, best_k = _pairs_and_triples(m, k_max, sel, args, best, best_k, out_sel, out_alloc)
    if k_max > 3 and best_k >= 3:
        best, best_k = _greedy_extend(m, k_max, sel, args, best, best_k, total, out_sel, out_alloc)
    return best_k, best


@njit(cache=True)
def _pairs_and_triples(m, k_max, sel, args, best, best_k, out_sel, out_alloc):  # type: ignore[no-untyped-def]
    f, h, cov, cap, dem, n_u, split_p, unfilled_p, alloc = args[:9]
    hlb = handling_lower_bound(h, cov, m, dem, n_u, unfilled_p)
    filt = np.empty(m, dtype=np.int64)
    n_f = 0
    for s in range(m):
        if f[s] + split_p + hlb < best - _EPS:
            filt[n_f] = s
            n_f += 1
    if n_f < 2:
        return best, best_k
    by_f = filt[:n_f][np.argsort(f[filt[:n_f]], kind="mergesort")]
    kept = np.empty(n_f, dtype=np.int64)
    n_s = skyline_kernel(by_f, n_f, f, h, cov, cap, n_u, min(3, k_max), kept)
    for a in range(n_s):
        ia = kept[a]
        if 2.0 * f[ia] + split_p + hlb >= best - _EPS:
            break
        for b in range(a + 1, n_s):
            ib = kept[b]
            if f[ia] + f[ib] + split_p + hlb >= best - _EPS:
                break
            sel[0], sel[1] = ia, ib
            c = eval_set_kernel(sel, 2, *args)
            if c < best - _EPS:
                best, best_k = c, 2
                _keep(sel, alloc, 2, n_u, out_sel, out_alloc)
    if k_max < 3:
        return best, best_k
    for a in range(n_s):
        ia = kept[a]
        if 3.0 * f[ia] + 2.0 * split_p + hlb >= best - _EPS:
            break
        for b in range(a + 1, n_s):
            ib = kept[b]
            if f[ia] + 2.0 * f[ib] + 2.0 * split_p + hlb >= best - _EPS:
                break
            for c_ in range(b + 1, n_s):
                ic = kept[c_]
                if f[ia] + f[ib] + f[ic] + 2.0 * split_p + hlb >= best - _EPS:
                    break
                sel[0], sel[1], sel[2] = ia, ib, ic
                c = eval_set_kernel(sel, 3, *args)
                if c < best - _EPS:
                    best, best_k = c, 3
                    _keep(sel, alloc, 3, n_u, out_sel, out_alloc)
    return best, best_k


@njit(cache=True)
def _greedy_extend(m, k_max, sel, args, best, best_k, total, out_sel, out_alloc):  # type: ignore[no-untyped-def]
    """Beyond 3 nodes: add the node that lowers the cost most, while units are still unfilled."""
    n_u, alloc = args[5], args[8]
    while best_k < k_max:
        placed = 0
        for a in range(best_k):
            for u in range(n_u):
                placed += out_alloc[u, a]
        if placed >= total:
            break
        for a in range(best_k):
            sel[a] = out_sel[a]
        add, add_cost = -1, best
        for s in range(m):
            taken = False
            for a in range(best_k):
                taken = taken or sel[a] == s
            if taken:
                continue
            sel[best_k] = s
            c = eval_set_kernel(sel, best_k + 1, *args)
            if c < add_cost - _EPS:
                add, add_cost = s, c
        if add < 0:
            break
        sel[best_k] = add
        eval_set_kernel(sel, best_k + 1, *args)
        best, best_k = add_cost, best_k + 1
        _keep(sel, alloc, best_k, n_u, out_sel, out_alloc)
    return best, best_k
