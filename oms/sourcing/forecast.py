"""Forecast demand for the rest of a day, by region x SKU: what the look-ahead policy prices.

A forecast is built from *demand lines*: lines of orders that stand for the demand of one day,
each with a weight (the expected number of times it recurs in a day) and its time of day. The
demand still to come after time t is the weighted sum of the lines after t, by region and SKU:

- in replay, with the true rates, the lines are a large sample drawn from the scenario's own
  demand model (`SAMPLE_DAYS` days, each weighted 1 / SAMPLE_DAYS): a Monte Carlo estimate of
  the model's expectation; an explicit order stream stands for itself (weight 1);
- with the estimator, the lines are the orders of the same weekday over the last K weeks, each
  weighted 1 / K: "the same weekday's demand after this time of day, averaged over the last K
  weeks". The service uses it over its order history; the replay can use it over days drawn
  with other seeds, which shows what forecast error costs.

Regions: a ship order's region is the node nearest its destination (its catchment; the region's
point is the weighted centroid of the destinations in it), a pickup order's region is its
pickup node (collecting there ships nothing). numpy only: no solver here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oms.domain.geo import haversine_km
from oms.sourcing.contract import F64, I64, Nodes, Orders

# Destinations per block of the destination-to-node distance matrix.
CHUNK = 8192


@dataclass(frozen=True)
class Regions:
    """Places demand comes from: `lat`, `lon` per region; `pickup[r]` the node a pickup region
    collects at (-1: a ship region)."""

    lat: F64
    lon: F64
    pickup: I64

    def __len__(self) -> int:
        return len(self.lat)


@dataclass(frozen=True)
class Forecast:
    """Expected units of each SKU each region will order over the rest of the horizon."""

    regions: Regions
    units: F64  # [region, sku]
    at_s: float  # from this time of day (seconds after the clock's start)

    @property
    def total(self) -> float:
        return float(self.units.sum())


@dataclass(frozen=True)
class DemandLines:
    """Weighted order lines standing for one day's demand, sorted by time of day."""

    time_s: F64  # per line: seconds after the day's start
    region: I64  # per line
    sku: I64
    units: F64  # per line: quantity x weight
    regions: Regions
    n_skus: int
    orders: float  # the weighted number of orders the lines belong to

    def after(self, t_s: float) -> Forecast:
        """The demand expected from time `t_s` to the end of the day."""
        first = int(np.searchsorted(self.time_s, t_s, side="left"))
        flat = self.region[first:] * self.n_skus + self.sku[first:]
        size = len(self.regions) * self.n_skus
        units = np.bincount(flat, weights=self.units[first:], minlength=size).astype(np.float64)
        return Forecast(self.regions, units.reshape(len(self.regions), self.n_skus), t_s)


def demand_lines(
    orders: Orders, time_s: F64, nodes: Nodes, n_skus: int, weight: float | F64 = 1.0
) -> DemandLines:
    """The lines of `orders` (arriving at `time_s` seconds of the day) as demand lines, each
    order weighted by `weight` (a number, or one per order)."""
    per_order = np.broadcast_to(np.asarray(weight, dtype=np.float64), (len(orders),))
    region_of_order, regions = _regions(orders, nodes, per_order)
    line_order = orders.line_order
    line_time = np.asarray(time_s, dtype=np.float64)[line_order]
    by_time = np.argsort(line_time, kind="stable")
    return DemandLines(
        time_s=line_time[by_time],
        region=region_of_order[line_order][by_time],
        sku=orders.line_sku[by_time],
        units=(orders.line_qty * per_order[line_order])[by_time].astype(np.float64),
        regions=regions,
        n_skus=n_skus,
        orders=float(per_order.sum()),
    )


def _regions(orders: Orders, nodes: Nodes, weight: F64) -> tuple[I64, Regions]:
    """Each order's region, and the regions: one per node catchment holding ship orders (at the
    weighted centroid of their destinations), then one per pickup node used."""
    n = len(nodes)
    ship = ~orders.is_pickup
    nearest = np.full(len(orders), -1, dtype=np.int64)
    rows = np.flatnonzero(ship)
    for start in range(0, len(rows), CHUNK):
        r = rows[start : start + CHUNK]
        d = haversine_km(
            orders.dest_lat[r, None],
            orders.dest_lon[r, None],
            nodes.lat[None, :],
            nodes.lon[None, :],
        )
        nearest[r] = np.argmin(d, axis=1)
    # Key: a ship order's catchment node, or n + its pickup node.
    key = np.where(ship, nearest, n + orders.pickup_node)
    used, region = np.unique(key, return_inverse=True)
    w = np.bincount(region, weights=weight, minlength=len(used))
    safe = np.where(w > 0, w, 1.0)
    lat = np.bincount(region, weights=weight * orders.dest_lat, minlength=len(used)) / safe
    lon = np.bincount(region, weights=weight * orders.dest_lon, minlength=len(used)) / safe
    pickup = np.where(used >= n, used - n, -1).astype(np.int64)
    return region.astype(np.int64), Regions(lat, lon, pickup)
