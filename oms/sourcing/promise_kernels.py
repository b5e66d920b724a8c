"""The promise's sourcing in one kernel call: a plan to ship the cart to the destination, then a
plan to collect it at each of the nearest pickup stores.

A promise asks the one-order sourcer four questions; asked one by one from Python, each paid for
its wrapper, its dispatch and its output arrays, and the nearest stores a numpy sort. Here they
are one dispatch. The plans are `source_order_kernel`'s, unchanged.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from oms.sourcing.arrays import CAN_PICKUP, ENABLED, LAT, LON
from oms.sourcing.compiled_rules import haversine_km
from oms.sourcing.contract import NO_LIMIT
from oms.sourcing.kernels import source_order_tuples


@njit(cache=True)
def nearest_pickup_kernel(floats, flags, dest_lat, dest_lon, out_store):  # type: ignore[no-untyped-def]
    """The enabled pickup nodes nearest to the destination, nearest first (a tie goes to the
    lower index), as many as `out_store` holds or exist; returns how many."""
    k = out_store.shape[0]
    if k == 0:
        return 0
    km = np.empty(k, dtype=np.float64)
    found = 0
    for i in range(floats.shape[1]):
        if not (flags[CAN_PICKUP, i] and flags[ENABLED, i]):
            continue
        d = haversine_km(floats[LAT, i], floats[LON, i], dest_lat, dest_lon)
        if found == k and d >= km[k - 1]:
            continue
        t = found if found < k else k - 1  # insert, shifting farther ones down
        while t > 0 and km[t - 1] > d:
            km[t] = km[t - 1]
            out_store[t] = out_store[t - 1]
            t -= 1
        km[t] = d
        out_store[t] = i
        found = min(found + 1, k)
    return found


@njit(cache=True)
def promise_kernel(  # type: ignore[no-untyped-def]
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
    pickup_stores,
    scratch,
    out,
    out_cost,
):
    """Plan 0 ships to the destination; plan p >= 1 is a pickup at the p-th nearest of up to
    `pickup_stores` stores. `scratch` is `source_order_kernel`'s output for one order; each plan
    is packed into `out` as [store (-1: ship), rows, (line, node, units) per row, unfilled units
    per line] and its contract cost (without prices) put in `out_cost[p]`. Returns the length of
    `out` used, or the ERR_ code of the first plan that failed."""
    n_lines = line_sku.shape[0]
    room = (scratch.shape[0] - n_lines) // 3
    stores = np.empty(pickup_stores + 1, dtype=np.int64)
    stores[0] = -1
    plans = 1 + nearest_pickup_kernel(floats, flags, dest_lat, dest_lon, stores[1:])
    net = (floats, flags)
    rules = (allow_transfers, split_penalty, unfilled_penalty)
    left = (stock, cap_left, unit_price)
    used = 0
    for p in range(plans):
        store = stores[p]
        lat = dest_lat if p == 0 else floats[LAT, store]
        lon = dest_lon if p == 0 else floats[LON, store]
        order = (line_sku, line_qty, lat, lon, p > 0, store, NO_LIMIT)
        rows = source_order_tuples(net, rules, left, order, scratch, out_cost[p : p + 1])
        if rows < 0:
            return rows
        out[used] = store
        out[used + 1] = rows
        used += 2
        for t in range(rows):
            out[used] = scratch[t]
            out[used + 1] = scratch[room + t]
            out[used + 2] = scratch[2 * room + t]
            used += 3
        for j in range(n_lines):
            out[used + j] = scratch[3 * room + j]
        used += n_lines
    return used
