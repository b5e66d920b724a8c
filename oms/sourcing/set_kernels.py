"""Numba kernels that price one set of candidate nodes for an order: the allocation (per-SKU
greedy by unit cost, a min-cost flow when node capacities bind), a single node's cost, and the
contract's cost of a plan. The search over sets, and why it is exact, is `search_kernels.py`."""

from __future__ import annotations

import numpy as np
from numba import njit

from oms.sourcing.compiled_rules import split_cost, unfilled_cost

EPS = 1e-9  # a set must beat the incumbent by more than rounding to replace it


@njit(cache=True)
def _flow_assign(sel, k, hu, cov, cap, dem, n_u, unfilled_penalty, alloc, load):  # type: ignore[no-untyped-def]
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
                w[1 + u, 1 + n_u + a] = hu[sel[a], u] - unfilled_penalty
                w[1 + n_u + a, 1 + u] = unfilled_penalty - hu[sel[a], u]
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
                    if res[x, y] > 0 and dist[x] + w[x, y] < dist[y] - EPS:
                        dist[y] = dist[x] + w[x, y]
                        prev[y] = x
                        changed = True
            if not changed:
                break
        if prev[sink] < 0 or dist[sink] >= -EPS:
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
def _sort_by_unit_cost(sel, k, hu, u, by_h):  # type: ignore[no-untyped-def]
    """by_h[:k] = positions in sel by increasing unit cost of SKU u (stable: k is tiny)."""
    for a in range(k):
        by_h[a] = a
    for a in range(1, k):
        b = a
        while b > 0 and hu[sel[by_h[b - 1]], u] > hu[sel[by_h[b]], u]:
            by_h[b - 1], by_h[b] = by_h[b], by_h[b - 1]
            b -= 1


@njit(cache=True)
def eval_set_kernel(  # type: ignore[no-untyped-def]
    sel, k, f, hu, cov, cap, dem, n_u, split_penalty, unfilled_penalty, alloc, load, by_h
):
    """Cost of the best allocation of the order to the candidate set sel[:k], unit costs hu
    [candidate, SKU]; writes alloc[u, a]. Nodes left without units cost nothing."""
    args = (f, hu, cov, cap, dem, n_u, split_penalty, unfilled_penalty, alloc, load, by_h)
    return eval_set_below(sel, k, args, np.inf)


@njit(cache=True)
def eval_set_below(sel, k, args, cutoff):  # type: ignore[no-untyped-def]
    """`eval_set_kernel`; when capacities bind and even the allocation without them, every node
    of the set charged, costs `cutoff` or more, returns that bound instead of running the flow."""
    f, hu, cov, cap, dem, n_u, split_penalty, unfilled_penalty, alloc, load, by_h = args
    for a in range(k):
        load[a] = 0
    unfilled = 0
    relaxed = split_cost(k, split_penalty)
    for u in range(n_u):
        _sort_by_unit_cost(sel, k, hu, u, by_h)
        rem = dem[u]
        for b in range(k):
            a = by_h[b]
            t = min(rem, cov[sel[a], u])
            alloc[u, a] = t
            load[a] += t
            rem -= t
            relaxed += t * hu[sel[a], u]
        unfilled += rem
    for a in range(k):
        if load[a] > cap[sel[a]]:
            for b in range(k):
                relaxed += f[sel[b]]
            relaxed += unfilled_cost(unfilled, unfilled_penalty)
            if relaxed >= cutoff:
                return relaxed
            unfilled = _flow_assign(sel, k, hu, cov, cap, dem, n_u, unfilled_penalty, alloc, load)
            break
    ship = 0.0
    units = 0.0
    used = 0
    for a in range(k):
        if load[a] > 0:
            used += 1
            ship += f[sel[a]]
            for u in range(n_u):
                units += alloc[u, a] * hu[sel[a], u]
    return (
        ship + units + split_cost(used, split_penalty) + unfilled_cost(unfilled, unfilled_penalty)
    )


@njit(cache=True)
def plan_cost(sel, k, f, h, alloc, n_u, total, split_penalty, unfilled_penalty):  # type: ignore[no-untyped-def]
    """The contract's cost of alloc over sel[:k], handling h per node (no prices)."""
    ship = 0.0
    handling = 0.0
    used = 0
    placed = 0
    for a in range(k):
        load = 0
        for u in range(n_u):
            load += alloc[u, a]
        if load > 0:
            used += 1
            ship += f[sel[a]]
            handling += load * h[sel[a]]
            placed += load
    return (
        ship
        + handling
        + split_cost(used, split_penalty)
        + unfilled_cost(total - placed, unfilled_penalty)
    )


@njit(cache=True)
def single_node_cost(f, s, cov, cap, hu, n_u, total, unfilled_penalty):  # type: ignore[no-untyped-def]
    """Cost of serving the order from candidate s alone: its cheapest units up to capacity."""
    covered = 0
    cost = f
    for u in range(n_u):
        covered += cov[s, u]
        cost += cov[s, u] * hu[s, u]
    if covered <= cap[s]:
        return cost + unfilled_cost(total - covered, unfilled_penalty)
    # Capacity binds: SKUs in increasing (unit cost, index), each found by a scan (n_u is small).
    cost, room, last = f, cap[s], -1
    while room > 0:
        b = -1
        for u in range(n_u):
            if (
                cov[s, u] > 0
                and _after(hu[s, u], u, hu[s, last], last)
                and (b < 0 or _after(hu[s, b], b, hu[s, u], u))
            ):
                b = u
        t = min(room, cov[s, b])
        cost += t * hu[s, b]
        room -= t
        last = b
    return cost + unfilled_cost(total - cap[s], unfilled_penalty)


@njit(cache=True, inline="always")
def _after(c, u, c0, u0):  # type: ignore[no-untyped-def]
    """(c, u) comes after (c0, u0) in increasing (cost, index); anything comes after u0 = -1."""
    return u0 < 0 or c > c0 or (c == c0 and u > u0)
