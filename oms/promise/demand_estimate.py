"""The service's forecast of the demand still to come today: the same weekday's orders over the
last K weeks, each weighted 1/K.

"The demand still to come today is the average, over the same weekday of each of the last K
weeks, of the units ordered after the current time of day, by region and SKU." Days and times of
day are those of the network's time zone (the one most of its nodes' calendars name: the day its
stores and warehouses live by), on the wall clock, so a day with a daylight-saving change lines
up with the others by the hour. Every order counts, whatever became of it since (a cancelled
order was demand all the same); an order whose destination was erased, or whose pickup store is
no longer in the network, says nothing about where demand comes from and is left out.

Pure: the history comes in as rows (`HistoryLine`, read by one repository query), the lines
out as `oms.sourcing.forecast.DemandLines`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from oms.promise.ports import HistoryLine
from oms.sourcing.contract import F64, NO_LIMIT, Nodes, Orders
from oms.sourcing.forecast import DemandLines, demand_lines
from oms.sourcing.network import Network

DEFAULT_TIMEZONE = "UTC"


@dataclass(frozen=True)
class History:
    """Past orders as the sourcing contract's arrays: `orders` (rows of `sku_ids`), each
    arriving at `time_s` seconds into its local day."""

    orders: Orders
    time_s: F64
    sku_ids: list[str]


def network_timezone(network: Network) -> str:
    """The time zone most of the network's nodes live by (UTC for an empty network)."""
    zones = Counter(n.calendar.timezone for n in network.nodes)
    return zones.most_common(1)[0][0] if zones else DEFAULT_TIMEZONE


def history_windows(now: datetime, weeks: int, timezone: str) -> list[tuple[datetime, datetime]]:
    """[start, end) of the same weekday as `now`'s local day, 1 to `weeks` weeks back: one
    local day each (23 or 25 hours across a daylight-saving change)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    return [_local_day(today - timedelta(weeks=k), zone) for k in range(1, weeks + 1)]


def _local_day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, time(0), tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone),
    )


def seconds_into_day(at: datetime, timezone: str) -> float:
    """Wall-clock seconds since local midnight in `timezone`."""
    local = at.astimezone(ZoneInfo(timezone))
    return local.hour * 3600.0 + local.minute * 60.0 + local.second + local.microsecond / 1e6


def history_arrays(rows: Sequence[HistoryLine], nodes: Nodes, timezone: str) -> History:
    """The rows (an order's lines together, in line order) as contract-shaped orders; SKUs are
    numbered in order of first appearance."""
    sku_index: dict[str, int] = {}
    b = _Builder()
    for r in rows:
        if r.order_id != b.current:
            b.start(r, nodes, timezone)
        if b.kept:
            b.line(r, sku_index.setdefault(r.sku_id, len(sku_index)))
    return History(b.build(), np.asarray(b.time_s, dtype=np.float64), list(sku_index))


class _Builder:
    """Columns of the orders kept, filled one row at a time."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.kept = False
        self.ids: list[str] = []
        self.time_s: list[float] = []
        self.dest: list[tuple[float, float]] = []
        self.pickup: list[int] = []
        self.line_start: list[int] = [0]
        self.line_ids: list[str] = []
        self.line_sku: list[int] = []
        self.line_qty: list[int] = []

    def start(self, r: HistoryLine, nodes: Nodes, timezone: str) -> None:
        self.current = r.order_id
        where = _destination(r, nodes)
        self.kept = where is not None
        if where is None:
            return
        self.ids.append(r.order_id)
        self.time_s.append(seconds_into_day(r.created_at, timezone))
        self.dest.append((where[0], where[1]))
        self.pickup.append(where[2])
        self.line_start.append(self.line_start[-1])

    def line(self, r: HistoryLine, sku: int) -> None:
        self.line_ids.append(f"{r.order_id}-{len(self.line_ids)}")
        self.line_sku.append(sku)
        self.line_qty.append(r.qty)
        self.line_start[-1] += 1

    def build(self) -> Orders:
        n = len(self.ids)
        dest = np.asarray(self.dest, dtype=np.float64).reshape(n, 2)
        pickup = np.asarray(self.pickup, dtype=np.int64)
        starts = np.asarray(self.line_start, dtype=np.int64)
        return Orders(
            ids=self.ids,
            lat=dest[:, 0].copy(),
            lon=dest[:, 1].copy(),
            is_pickup=pickup >= 0,
            pickup_node=pickup,
            max_shipments=np.full(n, NO_LIMIT, dtype=np.int64),
            dest_lat=dest[:, 0].copy(),
            dest_lon=dest[:, 1].copy(),
            line_start=starts,
            line_ids=self.line_ids,
            line_sku=np.asarray(self.line_sku, dtype=np.int64),
            line_qty=np.asarray(self.line_qty, dtype=np.int64),
            line_order=np.repeat(np.arange(n, dtype=np.int64), np.diff(starts)),
        )


def _destination(r: HistoryLine, nodes: Nodes) -> tuple[float, float, int] | None:
    """(lat, lon, pickup node or -1): a pickup order's store, else its address."""
    if r.pickup_node is not None:
        k = nodes.index.get(r.pickup_node)
        return None if k is None else (float(nodes.lat[k]), float(nodes.lon[k]), k)
    if r.dest_lat is None or r.dest_lon is None:
        return None
    return r.dest_lat, r.dest_lon, -1


def same_weekday_lines(history: History, nodes: Nodes, weeks: int) -> DemandLines:
    """The history's lines as one day's demand: each order weighted 1 / `weeks`."""
    return demand_lines(
        history.orders, history.time_s, nodes, len(history.sku_ids), weight=1.0 / weeks
    )
