"""The seeded demand model: a day's orders drawn straight into contract arrays.

Arrivals follow the hourly weights over the simulated day (uniform within an hour, whole
seconds); customers live around real French cities drawn by population (`demo.french_cities`,
the spread of the demo generator); lines, units, shipment limits and SKUs follow the model's
weights; a pickup customer chooses one of the 3 pickup stores nearest to them (as in the demo).
Everything is vectorised, so a million orders take seconds, not minutes.
"""

from __future__ import annotations

import numpy as np

from oms.domain.geo import haversine_km
from oms.replay.scenario_types import Clock, DemandModel
from oms.sourcing.contract import F64, I64, NO_LIMIT, B, Orders, Problem
from oms.sourcing.demo import PICKUP_RANK_P, french_cities

KM_PER_DEGREE = 111.2
# Bigger cities spread wider: sd from 1.5 km (small towns) to 8 km (Paris), as in the demo.
SPREAD_KM = (1.5, 8.0)
PICKUP_CHUNK = 4096  # customers per block of the customer-to-store distance matrix


def generate_orders(
    model: DemandModel, network: Problem, clock: Clock, rng: np.random.Generator
) -> tuple[F64, Orders]:
    """Each order's arrival (seconds after the clock's start, ascending) and the orders."""
    n = model.orders
    arrival = arrival_times(model.hourly_weights, clock, n, rng)
    lat, lon = customer_locations(n, rng)
    n_lines = 1 + _draw(rng, model.lines_per_order, n)
    total = int(n_lines.sum())
    sku = _draw(rng, tuple(model.sku_weights.tolist()), total)
    qty = 1 + _draw(rng, model.units_per_line, total)
    limit = _draw(rng, model.max_shipments, n)
    max_shipments = np.where(limit == 0, NO_LIMIT, limit).astype(np.int64)
    pickup = pickup_nodes(network, lat, lon, rng.random(n) < model.pickup_share, rng)
    return arrival, _orders(network, lat, lon, pickup, max_shipments, n_lines, sku, qty)


def arrival_times(hourly: tuple[float, ...], clock: Clock, n: int, rng: np.random.Generator) -> F64:
    """Arrivals in whole seconds: an hour drawn by weight (times its share inside the day), then
    a uniform second within the hour's part of the day; sorted."""
    day_start = clock.start_of_day_s
    lo = np.clip(np.arange(24) * 3600.0 - day_start, 0.0, clock.horizon_s)
    hi = np.clip(np.arange(1, 25) * 3600.0 - day_start, 0.0, clock.horizon_s)
    weight = np.asarray(hourly, dtype=np.float64) * (hi - lo)
    hour = rng.choice(24, size=n, p=weight / weight.sum())
    seconds = np.floor(lo[hour] + rng.random(n) * (hi[hour] - lo[hour]))
    return np.sort(np.minimum(seconds, np.ceil(clock.horizon_s) - 1.0))


def customer_locations(n: int, rng: np.random.Generator) -> tuple[F64, F64]:
    """Customers around French cities drawn by population, Gaussian around the centre."""
    cities = french_cities()
    city = rng.choice(len(cities), size=n, p=cities.population / cities.population.sum())
    spread = np.clip(np.sqrt(cities.population[city]) / 200.0, *SPREAD_KM)
    dy, dx = rng.normal(0.0, 1.0, n) * spread, rng.normal(0.0, 1.0, n) * spread
    lat = cities.lat[city] + dy / KM_PER_DEGREE
    lon = cities.lon[city] + dx / (KM_PER_DEGREE * np.cos(np.radians(cities.lat[city])))
    return np.round(lat, 4), np.round(lon, 4)


def pickup_nodes(
    network: Problem, lat: F64, lon: F64, is_pickup: B, rng: np.random.Generator
) -> I64:
    """Pickup node per order (-1: ship): one of the 3 pickup-capable nodes nearest the customer."""
    out = np.full(len(lat), -1, dtype=np.int64)
    stores = np.flatnonzero(network.nodes.can_pickup)
    rows = np.flatnonzero(is_pickup)
    if not len(rows) or not len(stores):
        return out
    k = min(3, len(stores))
    rank = rng.choice(k, size=len(rows), p=np.array(PICKUP_RANK_P[:k]) / sum(PICKUP_RANK_P[:k]))
    s_lat, s_lon = network.nodes.lat[stores], network.nodes.lon[stores]
    for start in range(0, len(rows), PICKUP_CHUNK):
        r = rows[start : start + PICKUP_CHUNK]
        d = haversine_km(lat[r, None], lon[r, None], s_lat[None, :], s_lon[None, :])
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        out[r] = stores[nearest[np.arange(len(r)), rank[start : start + PICKUP_CHUNK]]]
    return out


def _draw(rng: np.random.Generator, weights: tuple[float, ...], size: int) -> I64:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int64)


def _orders(
    network: Problem,
    lat: F64,
    lon: F64,
    pickup: I64,
    max_shipments: I64,
    n_lines: I64,
    sku: I64,
    qty: I64,
) -> Orders:
    n = len(lat)
    line_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_lines, out=line_start[1:])
    line_order = np.repeat(np.arange(n, dtype=np.int64), n_lines)
    within = np.arange(int(line_start[-1])) - line_start[line_order]
    ids = [f"O-{i + 1:07d}" for i in range(n)]
    is_pickup = pickup >= 0
    nodes = network.nodes
    at = np.maximum(pickup, 0)
    return Orders(
        ids=ids,
        lat=lat,
        lon=lon,
        is_pickup=is_pickup,
        pickup_node=pickup,
        max_shipments=max_shipments,
        dest_lat=np.ascontiguousarray(np.where(is_pickup, nodes.lat[at], lat)),
        dest_lon=np.ascontiguousarray(np.where(is_pickup, nodes.lon[at], lon)),
        line_start=line_start,
        line_ids=[
            f"{ids[o]}-{j + 1}" for o, j in zip(line_order.tolist(), within.tolist(), strict=True)
        ],
        line_sku=sku,
        line_qty=qty,
        line_order=line_order,
    )
