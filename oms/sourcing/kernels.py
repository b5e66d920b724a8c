"""Numba kernels of the one-order sourcer: contiguous arrays and scalars in, arrays out.

Kernels return counts or status codes, never raise; `online.py` wraps them with typed, validating
functions. The contract's rules are not restated here: `haversine_km`, `shipment_cost`,
`is_eligible`, `split_cost` and `unfilled_cost` are the very functions of `oms.domain.geo` and
`oms.sourcing.cost`, compiled.

Entry kernels (`source_order_kernel`, `source_stream_kernel`, `promise_kernels.promise_kernel`)
take their parameters in groups, in this order, so that a caller passes each group whole:
- the network and the rules, the same for every call of a sourcer: `floats, flags` (the packed
  node arrays, `online.NetworkArrays`) and `allow_transfers, split_penalty, unfilled_penalty`
  (the problem's settings); `online.KernelNetwork` bundles the five, in this order;
- what is left: `stock` [sku, node] and `cap_left` [node], then `unit_price` [sku, node], an
  opportunity price added to the handling cost of every unit of that SKU taken at that node
  (zeros: none). Prices steer the choice only: every cost a kernel reports is the contract's
  cost of the plan chosen, without them (the search minimises contract cost + prices taken);
- the order: `line_sku, line_qty, dest_lat, dest_lon, is_pickup, pickup_node, max_shipments`
  (the stream kernel: the same as arrays over orders, after `line_start`);
- then the kernel's own inputs and its outputs.
Entry kernels take plain arrays and scalars (a tuple argument costs numba's dispatcher more than
the call itself); inside, they hand the groups on as tuples `net, rules, left, order`.

The search itself, and why it is exact, is in `search_kernels.py`; the pricing of one set of
nodes in `set_kernels.py`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from oms.sourcing.compiled_rules import haversine_km, is_eligible, shipment_cost, unfilled_cost
from oms.sourcing.search_kernels import handling_lower_bound, search_kernel, skyline_kernel
from oms.sourcing.set_kernels import eval_set_kernel, single_node_cost

__all__ = ["eval_set_kernel", "search_kernel", "skyline_kernel"]

OK = 0
ERR_ROOM = -1  # output arrays too small for the next order
ERR_QTY = -2  # a line quantity below 1
ERR_SKU = -3  # a line names a SKU outside the stock array
ERR_PICKUP = -4  # the pickup node is not a pickup-capable node
ERR_LINES = -5  # an order without lines

# Rows of the packed node arrays: their layout is the pure module's (oms/sourcing/arrays.py).
from oms.sourcing.arrays import (  # noqa: E402
    BASE,
    CAN_PICKUP,
    CAN_SHIP,
    ENABLED,
    HANDLING,
    LAT,
    LON,
    PER_KM,
    UX,
    UY,
    UZ,
)

EARTH_RADIUS_KM = 6371.0


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
    unit_price,
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
    out_hu,
):
    """Candidates: eligible nodes with capacity and stock of some SKU at a useful unit cost
    (handling + price below the unfilled penalty: else a unit there never beats leaving it; a
    price that is not finite makes the unit useless too).

    Writes each candidate's node index, units it can cover per SKU (capped at demand, 0 where
    not useful), its capacity capped at what it covers and the unit cost of each SKU there;
    returns the number of candidates."""
    m = 0
    for i in range(eligible.shape[0]):
        if not eligible[i] or cap_left[i] <= 0:
            continue
        total = 0
        for u in range(n_u):
            hu = handling[i] + unit_price[u_sku[u], i]
            useful = hu < unfilled_penalty  # False for a NaN price too
            c = min(max(stock[u_sku[u], i], 0), u_dem[u]) if useful else 0
            out_cov[m, u] = c
            out_hu[m, u] = hu if useful else unfilled_penalty  # the search sees finite costs
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
def unit_vector(lat, lon):  # type: ignore[no-untyped-def]
    p, q = np.radians(lat), np.radians(lon)
    return np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)


@njit(cache=True)
def prune_kernel(  # type: ignore[no-untyped-def]
    floats,
    cand,
    cov,
    capc,
    hu,
    m,
    n_u,
    dem,
    dest_lat,
    dest_lon,
    free_node,
    max_shipments,
    split_penalty,
    unfilled_penalty,
    units_cost,
):
    """Drop candidates that no plan cheaper than the best single node can use; returns how many
    remain (compacted in place with their coverage, capacity and unit costs hu).

    A candidate's shipment cost is bounded below with the chord to the destination (a chord is
    never longer than its arc), which needs no trigonometry per node. The best single node by
    that bound is priced exactly: that is the incumbent. A candidate stays if it could beat it
    alone, or, when splits are allowed, as one of several nodes (bound + split penalty + the
    least unit cost of the order's units). The exact search then runs on far fewer nodes.
    `units_cost` [m] is scratch: each node's single-node cost less its shipment cost."""
    dx, dy, dz = unit_vector(dest_lat, dest_lon)
    total = 0
    for u in range(n_u):
        total += dem[u]
    best_k, best_lb = -1, np.inf
    for k in range(m):
        covered, cost = 0, 0.0
        for u in range(n_u):  # single_node_cost written out: a call per node costs more
            covered += cov[k, u]
            cost += cov[k, u] * hu[k, u]
        if covered > capc[k]:
            cost = single_node_cost(0.0, k, cov, capc, hu, n_u, total, unfilled_penalty)
        else:
            cost += unfilled_cost(total - covered, unfilled_penalty)
        units_cost[k] = cost
        lb = _shipment_lower_bound(floats, cand[k], dx, dy, dz, free_node) + units_cost[k]
        if lb < best_lb:
            best_k, best_lb = k, lb
    if best_k < 0:
        return 0
    i = cand[best_k]
    f0 = shipment_cost(
        floats[BASE, i],
        floats[PER_KM, i],
        haversine_km(floats[LAT, i], floats[LON, i], dest_lat, dest_lon),
        1.0 if i == free_node else 0.0,
    )
    incumbent = f0 + units_cost[best_k]
    hlb = handling_lower_bound(hu, cov, m, dem, n_u, unfilled_penalty)
    kept = 0
    for k in range(m):
        i = cand[k]
        f_lb = _shipment_lower_bound(floats, i, dx, dy, dz, free_node)
        alone = f_lb + units_cost[k] < incumbent
        shared = max_shipments >= 2 and f_lb + split_penalty + hlb < incumbent
        if k == best_k or alone or shared:
            cand[kept], capc[kept] = i, capc[k]
            for u in range(n_u):
                cov[kept, u] = cov[k, u]
                hu[kept, u] = hu[k, u]
            kept += 1
    return kept


@njit(cache=True)
def _shipment_lower_bound(floats, i, dx, dy, dz, free_node):  # type: ignore[no-untyped-def]
    if i == free_node:
        return 0.0
    ex, ey, ez = floats[UX, i] - dx, floats[UY, i] - dy, floats[UZ, i] - dz
    chord = EARTH_RADIUS_KM * np.sqrt(ex * ex + ey * ey + ez * ez) * (1.0 - 1e-9)
    return floats[BASE, i] + floats[PER_KM, i] * chord


@njit(cache=True, inline="always")
def _source_one(net, rules, left, order, scratch, rows, row0):  # type: ignore[no-untyped-def]
    """Source one order; writes rows (line within order, node, qty) from row0.

    Takes the entry kernels' parameter groups as tuples (module docstring). Returns (rows
    written, cost). Reads stock and capacity, changes neither."""
    floats, flags = net
    allow_transfers, split_penalty, unfilled_penalty = rules
    stock, cap_left, unit_price = left
    line_sku, line_qty, dest_lat, dest_lon, is_pickup, pickup_node, max_shipments = order
    out_line, out_node, out_qty = rows
    eligible, cand, cov, capc, f, hc, hu, u_sku, u_dem, line_u, line_rem, sel, alloc = scratch
    n_u = merge_lines_kernel(line_sku, line_qty, u_sku, u_dem, line_u)
    eligibility_kernel(
        flags[CAN_SHIP], flags[ENABLED], is_pickup, pickup_node, allow_transfers, eligible
    )
    m = coverage_kernel(
        stock,
        unit_price,
        u_sku,
        u_dem,
        n_u,
        eligible,
        cap_left,
        floats[HANDLING],
        unfilled_penalty,
        cand,
        cov,
        capc,
        hu,
    )
    free_node = pickup_node if is_pickup else -1
    m = prune_kernel(
        floats,
        cand,
        cov,
        capc,
        hu,
        m,
        n_u,
        u_dem,
        dest_lat,
        dest_lon,
        free_node,
        max_shipments,
        split_penalty,
        unfilled_penalty,
        hc,
    )
    candidate_cost_kernel(
        floats[LAT],
        floats[LON],
        floats[BASE],
        floats[PER_KM],
        floats[HANDLING],
        cand,
        m,
        dest_lat,
        dest_lon,
        free_node,
        f,
        hc,
    )
    n_sel, cost = search_kernel(
        f,
        hc,
        hu,
        cov,
        capc,
        u_dem,
        m,
        n_u,
        max_shipments,
        split_penalty,
        unfilled_penalty,
        sel,
        alloc,
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
        np.empty((n_nodes, max_lines), dtype=np.float64),
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
    floats,
    flags,
    allow_transfers,
    split_penalty,
    unfilled_penalty,
    stock,
    cap_left,
    unit_price,
    line_sku,
    line_qty,
    dest_lat,
    dest_lon,
    is_pickup,
    pickup_node,
    max_shipments,
    out,
    out_cost,
):
    """The checkout path: one order against current stock and capacity (neither is changed).

    `out` holds, for room = (len(out) - lines) // 3: line within the order [0:room], node
    [room:2 room], units [2 room:3 room], then the unfilled units per line; out_cost[0] the
    contract's cost of the plan (without prices). Returns the rows written, or an ERR_ code."""
    order = (line_sku, line_qty, dest_lat, dest_lon, is_pickup, pickup_node, max_shipments)
    rules = (allow_transfers, split_penalty, unfilled_penalty)
    left = (stock, cap_left, unit_price)
    return source_order_tuples((floats, flags), rules, left, order, out, out_cost)


@njit(cache=True, inline="always")
def source_order_tuples(net, rules, left, order, out, out_cost):  # type: ignore[no-untyped-def]
    """`source_order_kernel` on its parameter groups, for other kernels to call."""
    floats, flags = net
    stock = left[0]
    line_sku, line_qty, _, _, is_pickup, pickup_node, max_shipments = order
    n_nodes = floats.shape[1]
    n_lines = line_sku.shape[0]
    status = check_order_kernel(
        line_sku, line_qty, stock.shape[0], flags[CAN_PICKUP], is_pickup, pickup_node
    )
    if status != OK:
        return status
    room = (out.shape[0] - n_lines) // 3
    if room < rows_needed(line_qty, max_shipments, n_nodes):
        return ERR_ROOM
    out_line, out_node, out_qty = out[:room], out[room : 2 * room], out[2 * room : 3 * room]
    scratch = make_scratch(n_nodes, max(n_lines, 1))
    rows, cost = _source_one(net, rules, left, order, scratch, (out_line, out_node, out_qty), 0)
    out_cost[0] = cost
    unfilled = out[3 * room : 3 * room + n_lines]
    for j in range(n_lines):
        unfilled[j] = line_qty[j]
    for t in range(rows):
        unfilled[out_line[t]] -= out_qty[t]
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
    floats,
    flags,
    allow_transfers,
    split_penalty,
    unfilled_penalty,
    stock,
    cap_left,
    unit_price,
    line_start,
    line_sku,
    line_qty,
    dest_lat,
    dest_lon,
    is_pickup,
    pickup_node,
    max_shipments,
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

    Takes the chosen units off `stock` and `cap_left` (`unit_price` is not changed). Writes rows
    with global line indices from row0 and each order's contract cost (without prices) in
    out_cost; returns (next order to source, next free row): next < stop when the rows ran out."""
    n_nodes = floats.shape[1]
    max_lines = 1
    for o in range(start, stop):
        max_lines = max(max_lines, line_start[o + 1] - line_start[o])
    net = (floats, flags)
    rules = (allow_transfers, split_penalty, unfilled_penalty)
    left = (stock, cap_left, unit_price)
    rows_out = (out_line, out_node, out_qty)
    scratch = make_scratch(n_nodes, max_lines)
    r = row0
    for o in range(start, stop):
        a, b = line_start[o], line_start[o + 1]
        if r + rows_needed(line_qty[a:b], max_shipments[o], n_nodes) > out_qty.shape[0]:
            return o, r
        order = (
            line_sku[a:b],
            line_qty[a:b],
            dest_lat[o],
            dest_lon[o],
            is_pickup[o],
            pickup_node[o],
            max_shipments[o],
        )
        rows, cost = _source_one(net, rules, left, order, scratch, rows_out, r)
        for t in range(r, r + rows):
            out_order[t] = o
            out_line[t] += a
            stock[line_sku[out_line[t]], out_node[t]] -= out_qty[t]
            cap_left[out_node[t]] -= out_qty[t]
        out_cost[o] = cost
        r += rows
    return stop, r
