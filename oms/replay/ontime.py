"""Promised and actual dates of the day's orders, by the one promise-date rule
(`oms.promise.rule`), as checkout and the orders service use it.

- Promise, made at arrival (before sourcing, as checkout shows it): a ship order is promised
  its service's delivery date (standard, or express when the order chose it) from the nearest
  warehouse that is up (any ship-capable node that is up when no warehouse is); a pickup order
  is promised its store's own pick-ready date.
- Actual, from the strategy's plan at release time: each shipment's date by the same rule
  (delivery with the order's service, ready at the store from its shelf, or transfer-ready);
  the order's date is its latest shipment's.
Calendars are the scenario's per node kind; carriers are the rule's (French holidays). The rule
answers per minute of the order, so each distinct question (minute, node, pickup store, service,
distance band) is asked once (`np.unique`): a million orders cost a few hundred thousand
cached look-ups, not a million calendar computations.
"""

from __future__ import annotations

import numpy as np

from oms.domain.calendar import NodeCalendar
from oms.domain.geo import haversine_km
from oms.kpis.rules import NO_DATE
from oms.promise.carriers import EXPRESS, STANDARD
from oms.promise.choice import DeliveryService
from oms.promise.rule import PromiseDates
from oms.replay.day import Day
from oms.replay.scenario_types import Outage, Recovery
from oms.sourcing.contract import F64, I64, Allocations, B

CHUNK = 65_536  # orders per block of the order-to-node distance matrix
# Distances in one band of every carrier get the same transit from each: the rule's answer
# depends on a distance only through its band.
BANDS = np.array(sorted({km for c in (STANDARD, EXPRESS) for km, _ in c.bands}), dtype=np.float64)
SERVICE_OF = (DeliveryService.STANDARD, DeliveryService.EXPRESS)  # by Day.express


def promised_dates(day: Day) -> I64:
    """Per order, the promised date (ordinal; NO_DATE when no node could promise)."""
    o = day.problem.orders
    out = np.full(len(o), NO_DATE, dtype=np.int64)
    ship = np.flatnonzero(~o.is_pickup)
    node, km = _promising_nodes(day, ship)
    found = node >= 0
    rows = ship[found]
    out[rows] = _shipment_days(day, day.arrival_s[rows], node[found], -1, rows, km[found])
    pick = np.flatnonzero(o.is_pickup)
    store = o.pickup_node[pick]
    out[pick] = _shipment_days(day, day.arrival_s[pick], store, store, pick, np.zeros(len(pick)))
    return out


def actual_dates(day: Day, alloc: Allocations, release_s: F64) -> I64:
    """Per order, the date its last shipment arrives or is ready (NO_DATE: nothing sourced)."""
    o, n = day.problem.orders, day.problem.nodes
    pairs = np.unique(alloc.order * len(n) + alloc.node)
    order, node = pairs // len(n), pairs % len(n)
    store = np.where(o.is_pickup[order], o.pickup_node[order], -1)
    km = haversine_km(n.lat[node], n.lon[node], o.dest_lat[order], o.dest_lon[order])
    dates = _shipment_days(day, release_s[order], node, store, order, km)
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


# ---------------------------------------------------------------- the rule's answers


def _shipment_days(day: Day, seconds: F64, node: I64, store: I64 | int, order: I64, km: F64) -> I64:
    """Per shipment, the date the rule promises (ordinal): from `node` for `order` placed at
    `seconds` (its minute), to the order's address `km` away (`store` -1) or for collection at
    `store` (`km`: node to store). Each distinct question is asked once."""
    if not len(node):
        return np.zeros(0, dtype=np.int64)
    n_nodes = len(day.problem.nodes)
    store = np.broadcast_to(np.asarray(store, dtype=np.int64), node.shape)
    minute = np.floor_divide(seconds + day.scenario.clock.start_of_day_s, 60.0).astype(np.int64)
    express = day.express[order].astype(np.int64)
    band = np.searchsorted(BANDS, km, side="left").astype(np.int64)
    key = (((minute * n_nodes + node) * (n_nodes + 1) + store + 1) * 2 + express) * (
        len(BANDS) + 1
    ) + band
    distinct, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    books: dict[int, PromiseDates[int]] = {}
    kinds, cals = day.problem.nodes.kind, day.scenario.calendars
    clock = day.scenario.clock

    def calendar(x: int) -> NodeCalendar:
        return cals[kinds[x]]

    values = np.empty(len(distinct), dtype=np.int64)
    for k, i in enumerate(first.tolist()):
        m = int(minute[i])
        book = books.get(m)
        if book is None:
            at = clock.instant(m * 60.0 - clock.start_of_day_s)
            book = books[m] = PromiseDates(calendar, at)
        s = int(store[i])
        if s >= 0:
            got = book.shipment(
                int(node[i]), DeliveryService.CLICK_AND_COLLECT, km=float(km[i]), pickup_store=s
            )
        else:
            got = book.shipment(int(node[i]), SERVICE_OF[int(express[i])], km=float(km[i]))
        values[k] = got.day.toordinal()
    return values[inverse.reshape(-1)]  # type: ignore[no-any-return]
