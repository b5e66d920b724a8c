"""Promised and actual dates of the day's orders, by the promise rules of `oms.promise`.

- Promise, made at arrival (before sourcing, as checkout shows it): a ship order is promised the
  standard service's delivery date from the nearest warehouse that is up (any ship-capable node
  that is up when no warehouse is); a pickup order is promised its store's own pick-ready date.
- Actual, from the strategy's plan at release time: each shipment's delivery date (ship orders),
  ready date at the store (pickup orders served by their store) or transfer-ready date
  (ship-to-store from another node); the order's date is its latest shipment's.
Calendars are the scenario's per node kind; the carrier is `STANDARD` with French holidays. As in
the checkout's `option_dates`, ship dates are taken per minute (exact: cut-offs are whole minutes)
and pick-ready times from the end of the minute (never early). Every distinct question is asked
once (`np.unique`), so a million orders cost a few thousand calendar calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np

from oms.domain.geo import haversine_km
from oms.promise import FRENCH_HOLIDAYS, STANDARD, pickup_ready_at, ship_date, transfer_ready_at
from oms.promise.carriers import arrival_date
from oms.replay.day import Day
from oms.replay.scenario_types import Outage, Recovery
from oms.sourcing.contract import F64, I64, Allocations, B

SERVICE = STANDARD
NO_DATE = -1
MINUTES = 24 * 60 + 1  # minute-of-day keys (a day is at most 24 h)
CHUNK = 65_536  # orders per block of the order-to-node distance matrix
_transit_days = np.vectorize(SERVICE.transit_days, otypes=[np.int64])


def promised_dates(day: Day) -> I64:
    """Per order, the promised date (ordinal; NO_DATE when no node could promise)."""
    o = day.problem.orders
    minute = _minutes(day.arrival_s)
    out = np.full(len(o), NO_DATE, dtype=np.int64)
    ship = np.flatnonzero(~o.is_pickup)
    node, km = _promising_nodes(day, ship)
    found = node >= 0
    leaves = _ship_days(day, node[found], minute[ship][found])
    out[ship[found]] = _delivery_days(leaves, _transit_days(km[found]))
    pick = np.flatnonzero(o.is_pickup)
    out[pick] = _ready_days(day, o.pickup_node[pick], minute[pick])
    return out


def actual_dates(day: Day, alloc: Allocations, release_s: F64) -> I64:
    """Per order, the date its last shipment arrives or is ready (NO_DATE: nothing sourced)."""
    o, n = day.problem.orders, day.problem.nodes
    pairs = np.unique(alloc.order * len(n) + alloc.node)
    order, node = pairs // len(n), pairs % len(n)
    minute = _minutes(release_s[order])
    km = haversine_km(n.lat[node], n.lon[node], o.dest_lat[order], o.dest_lon[order])
    transit = _transit_days(km) if len(km) else np.zeros(0, dtype=np.int64)
    dates = np.zeros(len(pairs), dtype=np.int64)
    own = o.is_pickup[order] & (o.pickup_node[order] == node)
    dates[own] = _ready_days(day, node[own], minute[own])
    transfer = o.is_pickup[order] & ~own
    leaves = _ship_days(day, node[transfer], minute[transfer])
    dates[transfer] = _transfer_days(day, o.pickup_node[order[transfer]], leaves, transit[transfer])
    home = ~o.is_pickup[order]
    leaves = _ship_days(day, node[home], minute[home])
    dates[home] = _delivery_days(leaves, transit[home])
    out = np.full(len(o), NO_DATE, dtype=np.int64)
    np.maximum.at(out, order, dates)
    return out


# ---------------------------------------------------------------- promising node


def _promising_nodes(day: Day, orders: I64) -> tuple[I64, F64]:
    """For each order, the nearest warehouse up at its arrival (else any ship-capable node up),
    and its distance; -1 where none is up."""
    n, o = day.problem.nodes, day.problem.orders
    events = day.scenario.events
    era = np.searchsorted([e.at_s for e in events], day.arrival_s[orders], side="right")
    node = np.full(len(orders), -1, dtype=np.int64)
    km = np.zeros(len(orders))
    warehouse = np.array([k == "warehouse" for k in n.kind], dtype=np.bool_) & n.can_ship
    for k, up in enumerate(_enabled_after_each_event(day)):
        candidates = np.flatnonzero(warehouse & up)
        if not len(candidates):
            candidates = np.flatnonzero(n.can_ship & up)
        rows = np.flatnonzero(era == k)
        if not len(candidates) or not len(rows):
            continue
        for start in range(0, len(rows), CHUNK):
            r = rows[start : start + CHUNK]
            ids = orders[r]
            d = haversine_km(
                o.dest_lat[ids, None],
                o.dest_lon[ids, None],
                n.lat[None, candidates],
                n.lon[None, candidates],
            )
            best = np.argmin(d, axis=1)
            node[r] = candidates[best]
            km[r] = d[np.arange(len(r)), best]
    return node, km


def _enabled_after_each_event(day: Day) -> list[B]:
    """Which nodes are up before the first event (item 0) and after each event."""
    up = np.ones(len(day.problem.nodes), dtype=np.bool_)
    out = [up.copy()]
    for event in day.scenario.events:
        if isinstance(event, Outage | Recovery):
            up[list(event.nodes)] = isinstance(event, Recovery)
        out.append(up.copy())
    return out


# ---------------------------------------------------------------- calendar answers


def _minutes(seconds: F64) -> I64:
    return np.floor_divide(seconds, 60.0).astype(np.int64)


def _per_key(keys: I64, answer: Callable[[int], int]) -> I64:
    """`answer` of each key, asked once per distinct key."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    distinct, inverse = np.unique(keys, return_inverse=True)
    values = np.array([answer(int(k)) for k in distinct], dtype=np.int64)
    return values[inverse]  # type: ignore[no-any-return]


def _ship_days(day: Day, node: I64, minute: I64) -> I64:
    """Ship date (ordinal) at `node` for an order released in `minute` of the day."""
    clock, kinds, cals = day.scenario.clock, day.problem.nodes.kind, day.scenario.calendars

    def answer(key: int) -> int:
        n, m = divmod(key, MINUTES)
        return ship_date(cals[kinds[n]], clock.instant(m * 60.0)).toordinal()

    return _per_key(node * MINUTES + minute, answer)


def _ready_days(day: Day, store: I64, minute: I64) -> I64:
    """Local date a click-and-collect order is ready at `store`, from the end of the minute."""
    clock, kinds, cals = day.scenario.clock, day.problem.nodes.kind, day.scenario.calendars

    def answer(key: int) -> int:
        n, m = divmod(key, MINUTES)
        cal = cals[kinds[n]]
        ready = pickup_ready_at(cal, clock.instant((m + 1) * 60.0))
        return cal.local(ready).date().toordinal()

    return _per_key(store * MINUTES + minute, answer)


def _delivery_days(leaves: I64, transit: I64) -> I64:
    def answer(key: int) -> int:
        ordinal, days = divmod(key, 64)
        return arrival_date(SERVICE, date.fromordinal(ordinal), days, FRENCH_HOLIDAYS).toordinal()

    return _per_key(leaves * 64 + transit, answer)


def _transfer_days(day: Day, store: I64, leaves: I64, transit: I64) -> I64:
    kinds, cals = day.problem.nodes.kind, day.scenario.calendars

    def answer(key: int) -> int:
        rest, days = divmod(key, 64)
        n, ordinal = divmod(rest, 1 << 21)
        cal = cals[kinds[n]]
        ready = transfer_ready_at(cal, date.fromordinal(ordinal), days)
        return cal.local(ready).date().toordinal()

    return _per_key((store * (1 << 21) + leaves) * 64 + transit, answer)
