"""Numba kernels of the one-order sourcer: contiguous arrays and scalars in, arrays out.

Kernels return counts or status codes, never raise; `online.py` wraps them with typed, validating
functions. The contract's rules are not restated here: `haversine_km`, `shipment_cost`,
`is_eligible`, `split_cost` and `unfilled_cost` are the very functions of `oms.domain.geo` and
`oms.sourcing.cost`, compiled.

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

from oms.domain.geo import haversine_km as _haversine_km
from oms.sourcing import cost as _cost

OK = 0
ERR_ROOM = -1  # output arrays too small for the next order
ERR_QTY = -2  # a line quantity below 1
ERR_SKU = -3  # a line names a SKU outside the stock array
ERR_PICKUP = -4  # the pickup node is not a pickup-capable node
ERR_LINES = -5  # an order without lines

haversine_km = njit(cache=True)(_haversine_km)
shipment_cost = njit(cache=True)(_cost.shipment_cost)
is_eligible = njit(cache=True)(_cost.is_eligible)
split_cost = njit(cache=True)(_cost.split_cost)
unfilled_cost = njit(cache=True)(_cost.unfilled_cost)

_EPS = 1e-9


@njit(cache=True)
def distance_kernel(lat, lon, dest_lat, dest_lon, out):  # type: ignore[no-untyped-def]
    """Distance in km from every node to one destination."""
    for i in range(lat.shape[0]):
        out[i] = haversine_km(lat[i], lon[i], dest_lat, dest_lon)
    return OK


@njit(cache=True)
def eligibility_kernel(can_ship, enabled, is_pickup, pickup_node, allow_transfers, out):  # type: ignore[no-untyped-def]
    """Which enabled nodes may serve the order; returns how many may."""
    count = 0
    for i in range(can_ship.shape[0]):
        ok = enabled[i] and is_eligible(can_ship[i], is_pickup, i == pickup_node, allow_transfers)
        out[i] = ok
        count += ok
    return count


@njit(cache=True)
def merge_lines_kernel(line_sku, line_qty, out_sku, out_dem, out_line_u):  # type: ignore[no-untyped-def]
    """Merge an order's lines by SKU; returns the number of distinct SKUs."""
    n_u = 0
    for j in range(line_sku.shape[0]):
        u = 0
        while u < n_u and out_sku[u] != line_sku[j]:
            u += 1
        if u == n_u:
            out_sku[u] = line_sku[j]
            out_dem[u] = 0
            n_u += 1
        out_dem[u] += line_qty[j]
        out_line_u[j] = u
    return n_u


@njit(cache=True)
def coverage_kernel(  # type: ignore[no-untyped-def]
    stock,
    u_sku,
    u_dem,
    n_u,
    eligible,
    cap_left,
    handling,
    unfilled_penalty,
    out_cand,
    out_cov,
    out_cap,
):
    """Candidates: eligible nodes with capacity, useful handling cost and stock of some SKU.

    Writes each candidate's node index, units it can cover per SKU (capped at demand) and its
    capacity capped at what it covers; returns the number of candidates."""
    m = 0
    for i in range(eligible.shape[0]):
        if not eligible[i] or cap_left[i] <= 0 or handling[i] >= unfilled_penalty:
            continue
        total = 0
        for u in range(n_u):
            c = min(max(stock[u_sku[u], i], 0), u_dem[u])
            out_cov[m, u] = c
            total += c
        if total > 0:
            out_cand[m] = i
            out_cap[m] = min(cap_left[i], total)
            m += 1
    return m


@njit(cache=True)
def candidate_cost_kernel(  # type: ignore[no-untyped-def]
    lat, lon, base, per_km, handling, cand, m, dest_lat, dest_lon, free_node, out_f, out_h
):
    """Shipment and handling cost of each candidate for this destination."""
    for k in range(m):
        i = cand[k]
        d = haversine_km(lat[i], lon[i], dest_lat, dest_lon)
        out_f[k] = shipment_cost(base[i], per_km[i], d, 1.0 if i == free_node else 0.0)
        out_h[k] = handling[i]
    return OK


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
def _handling_lower_bound(h, cov, m, dem, n_u, unfilled_penalty):  # type: ignore[no-untyped-def]
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
    hlb = _handling_lower_bound(h, cov, m, dem, n_u, unfilled_p)
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


@njit(cache=True)
def _source_one(  # type: ignore[no-untyped-def]
    net,
    stock,
    cap_left,
    line_sku,
    line_qty,
    dest_lat,
    dest_lon,
    is_pickup,
    pickup_node,
    max_shipments,
    allow_transfers,
    split_penalty,
    unfilled_penalty,
    scratch,
    out_line,
    out_node,
    out_qty,
    row0,
):
    """Source one order; writes rows (line within order, node, qty) from row0.

    Returns (rows written, cost). Reads stock and capacity, changes neither."""
    lat, lon, can_ship, enabled, handling, base, per_km = net
    eligible, cand, cov, capc, f, hc, u_sku, u_dem, line_u, line_rem, sel, alloc = scratch
    n_u = merge_lines_kernel(line_sku, line_qty, u_sku, u_dem, line_u)
    eligibility_kernel(can_ship, enabled, is_pickup, pickup_node, allow_transfers, eligible)
    m = coverage_kernel(
        stock, u_sku, u_dem, n_u, eligible, cap_left, handling, unfilled_penalty, cand, cov, capc
    )
    free_node = pickup_node if is_pickup else -1
    candidate_cost_kernel(
        lat, lon, base, per_km, handling, cand, m, dest_lat, dest_lon, free_node, f, hc
    )
    n_sel, cost = search_kernel(
        f, hc, cov, capc, u_dem, m, n_u, max_shipments, split_penalty, unfilled_penalty, sel, alloc
    )
    for j in range(line_sku.shape[0]):
        line_rem[j] = line_qty[j]
    r = row0
    for a in range(n_sel):
        node = cand[sel[a]]
        for u in range(n_u):
            q = alloc[u, a]
            for j in range(line_sku.shape[0]):
                if q == 0:
                    break
                if line_u[j] == u and line_rem[j] > 0:
                    t = min(q, line_rem[j])
                    out_line[r], out_node[r], out_qty[r] = j, node, t
                    line_rem[j] -= t
                    q -= t
                    r += 1
    return r - row0, cost


@njit(cache=True)
def make_scratch(n_nodes, max_lines):  # type: ignore[no-untyped-def]
    return (
        np.empty(n_nodes, dtype=np.bool_),
        np.empty(n_nodes, dtype=np.int64),
        np.empty((n_nodes, max_lines), dtype=np.int64),
        np.empty(n_nodes, dtype=np.int64),
        np.empty(n_nodes, dtype=np.float64),
        np.empty(n_nodes, dtype=np.float64),
        np.empty(max_lines, dtype=np.int64),
        np.empty(max_lines, dtype=np.int64),
        np.empty(max_lines, dtype=np.int64),
        np.empty(max_lines, dtype=np.int64),
        np.empty(n_nodes + 1, dtype=np.int64),
        np.empty((max_lines, n_nodes + 1), dtype=np.int64),
    )


@njit(cache=True)
def rows_needed(line_qty, max_shipments, n_nodes):  # type: ignore[no-untyped-def]
    """Room an order's result needs: every row carries at least one unit."""
    units = 0
    for j in range(line_qty.shape[0]):
        units += line_qty[j]
    return min(units, line_qty.shape[0] * min(max_shipments, n_nodes))


@njit(cache=True)
def source_order_kernel(  # type: ignore[no-untyped-def]
    lat,
    lon,
    can_ship,
    enabled,
    handling,
    base,
    per_km,
    stock,
    cap_left,
    line_sku,
    line_qty,
    dest_lat,
    dest_lon,
    is_pickup,
    pickup_node,
    max_shipments,
    allow_transfers,
    split_penalty,
    unfilled_penalty,
    can_pickup,
    out_line,
    out_node,
    out_qty,
    out_cost,
    out_unfilled,
):
    """The checkout path: one order against current stock, unfilled units per line into
    out_unfilled. Returns the rows written, or an ERR_ code."""
    n_nodes = lat.shape[0]
    status = check_order_kernel(
        line_sku, line_qty, stock.shape[0], can_pickup, is_pickup, pickup_node
    )
    if status != OK:
        return status
    if out_qty.shape[0] < rows_needed(line_qty, max_shipments, n_nodes):
        return ERR_ROOM
    net = (lat, lon, can_ship, enabled, handling, base, per_km)
    scratch = make_scratch(n_nodes, max(line_sku.shape[0], 1))
    rows, cost = _source_one(
        net,
        stock,
        cap_left,
        line_sku,
        line_qty,
        dest_lat,
        dest_lon,
        is_pickup,
        pickup_node,
        max_shipments,
        allow_transfers,
        split_penalty,
        unfilled_penalty,
        scratch,
        out_line,
        out_node,
        out_qty,
        0,
    )
    out_cost[0] = cost
    for j in range(line_qty.shape[0]):
        out_unfilled[j] = line_qty[j]
    for t in range(rows):
        out_unfilled[out_line[t]] -= out_qty[t]
    return rows


@njit(cache=True)
def check_order_kernel(line_sku, line_qty, n_skus, can_pickup, is_pickup, pickup_node):  # type: ignore[no-untyped-def]
    """OK, or the ERR_ code of the first fault of an order's input."""
    if line_sku.shape[0] == 0:
        return ERR_LINES
    for j in range(line_sku.shape[0]):
        if line_qty[j] < 1:
            return ERR_QTY
        if line_sku[j] < 0 or line_sku[j] >= n_skus:
            return ERR_SKU
    if is_pickup and (
        pickup_node < 0 or pickup_node >= can_pickup.shape[0] or not can_pickup[pickup_node]
    ):
        return ERR_PICKUP
    return OK


@njit(cache=True)
def source_stream_kernel(  # type: ignore[no-untyped-def]
    lat,
    lon,
    can_ship,
    enabled,
    handling,
    base,
    per_km,
    stock,
    cap_left,
    line_start,
    line_sku,
    line_qty,
    dest_lat,
    dest_lon,
    is_pickup,
    pickup_node,
    max_shipments,
    allow_transfers,
    split_penalty,
    unfilled_penalty,
    start,
    stop,
    out_order,
    out_line,
    out_node,
    out_qty,
    row0,
    out_cost,
):
    """Online semantics: orders start..stop-1 in turn, each against what earlier ones left.

    Takes the chosen units off `stock` and `cap_left`. Writes rows with global line indices from
    row0; returns (next order to source, next free row): next < stop when the rows ran out."""
    n_nodes = lat.shape[0]
    max_lines = 1
    for o in range(start, stop):
        max_lines = max(max_lines, line_start[o + 1] - line_start[o])
    net = (lat, lon, can_ship, enabled, handling, base, per_km)
    scratch = make_scratch(n_nodes, max_lines)
    r = row0
    for o in range(start, stop):
        a, b = line_start[o], line_start[o + 1]
        if r + rows_needed(line_qty[a:b], max_shipments[o], n_nodes) > out_qty.shape[0]:
            return o, r
        rows, cost = _source_one(
            net,
            stock,
            cap_left,
            line_sku[a:b],
            line_qty[a:b],
            dest_lat[o],
            dest_lon[o],
            is_pickup[o],
            pickup_node[o],
            max_shipments[o],
            allow_transfers,
            split_penalty,
            unfilled_penalty,
            scratch,
            out_line,
            out_node,
            out_qty,
            r,
        )
        for t in range(r, r + rows):
            out_order[t] = o
            out_line[t] += a
            stock[line_sku[out_line[t]], out_node[t]] -= out_qty[t]
            cap_left[out_node[t]] -= out_qty[t]
        out_cost[o] = cost
        r += rows
    return stop, r
