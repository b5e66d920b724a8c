"""Delivery options for a cart: sourcing decisions turned into what checkout shows.

An application service: it runs the one-order sourcer (numba) on a stock snapshot, so it is not
part of the pure promise rules. It reads stock; it reserves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from oms.domain.geo import haversine_km
from oms.promise import (
    EXPRESS,
    FRENCH_HOLIDAYS,
    STANDARD,
    CarrierService,
    pickup_ready_at,
    promise_dates,
    ship_date,
    transfer_ready_at,
)
from oms.sourcing import kernels
from oms.sourcing.contract import I64
from oms.sourcing.network import Network
from oms.sourcing.online import OnlineSourcer, OrderDecision

PICKUP_STORES = 3  # click-and-collect offers the nearest stores
EXPRESS_SURCHARGE = 6.0  # per shipment, on top of the contract's cost


@dataclass(frozen=True)
class Cart:
    skus: list[str]  # one per line
    sku_index: I64  # rows of the stock snapshot, one per line
    qty: I64
    lat: float
    lon: float


@dataclass(frozen=True)
class Option:
    id: str
    method: str  # ship | pickup
    service: str  # standard | express | click_and_collect
    cost: float
    allocations: list[tuple[int, str, int]]  # (line index, node id, qty)
    delivery_date: date | None = None
    ready_at: datetime | None = None
    node: str | None = None


@dataclass
class PromiseResult:
    options: list[Option] = field(default_factory=list)
    shortfalls: list[tuple[str, int, int]] = field(default_factory=list)  # sku, requested, got


def allocations_of(network: Network, decision: OrderDecision) -> list[tuple[int, str, int]]:
    return [
        (int(line), network.nodes[int(node)].id, int(q))
        for line, node, q in zip(decision.line, decision.node, decision.qty, strict=True)
    ]


def ship_options(
    network: Network, decision: OrderDecision, cart: Cart, now: datetime
) -> list[Option]:
    nodes = sorted(set(decision.node.tolist()))
    options = []
    for service, extra in ((STANDARD, 0.0), (EXPRESS, EXPRESS_SURCHARGE * len(nodes))):
        arrives = max(_delivery(network, n, service, cart, now) for n in nodes)
        options.append(
            Option(
                id=service.name,
                method="ship",
                service=service.name,
                cost=round(decision.cost + extra, 2),
                allocations=allocations_of(network, decision),
                delivery_date=arrives,
            )
        )
    return options


def _delivery(network: Network, n: int, service: CarrierService, cart: Cart, now: datetime) -> date:
    node = network.nodes[n]
    km = float(haversine_km(node.lat, node.lon, cart.lat, cart.lon))
    return promise_dates(node.calendar, service, now, km, FRENCH_HOLIDAYS).delivery_date


def pickup_option(network: Network, store: int, decision: OrderDecision, now: datetime) -> Option:
    """Ready at the store: picked there when it holds everything, else when transfers arrive."""
    node = network.nodes[store]
    ready = pickup_ready_at(node.calendar, now)
    for n in set(decision.node.tolist()) - {store}:
        source = network.nodes[n]
        km = float(haversine_km(source.lat, source.lon, node.lat, node.lon))
        leaves = ship_date(source.calendar, now)
        ready = max(ready, transfer_ready_at(node.calendar, leaves, STANDARD.transit_days(km)))
    return Option(
        id=f"pickup:{node.id}",
        method="pickup",
        service="click_and_collect",
        cost=round(decision.cost, 2),
        allocations=allocations_of(network, decision),
        ready_at=ready,
        node=node.id,
    )


def nearest_pickup_stores(network: Network, lat: float, lon: float, k: int) -> list[int]:
    stores = network.pickup_stores()
    if not stores:
        return []
    a, idx = network.arrays.floats, np.array(stores)
    node_lat, node_lon = a[kernels.LAT, idx], a[kernels.LON, idx]
    km = haversine_km(node_lat, node_lon, np.full(len(idx), lat), np.full(len(idx), lon))
    return [stores[i] for i in np.argsort(km, kind="stable")[:k].tolist()]


def promise(
    network: Network,
    sourcer: OnlineSourcer,
    stock: I64,
    cap_left: I64,
    cart: Cart,
    now: datetime,
) -> PromiseResult:
    """Standard and express delivery from the cheapest plan, and click-and-collect at the
    nearest stores; options that cannot deliver every unit are left out (shortfalls say why)."""
    result = PromiseResult()
    ship = sourcer.source_order(stock, cap_left, cart.sku_index, cart.qty, cart.lat, cart.lon)
    if ship.unfilled.sum() == 0:
        result.options.extend(ship_options(network, ship, cart, now))
    else:
        result.shortfalls = [
            (cart.skus[j], int(cart.qty[j]), int(cart.qty[j] - ship.unfilled[j]))
            for j in np.nonzero(ship.unfilled)[0].tolist()
        ]
    for store in nearest_pickup_stores(network, cart.lat, cart.lon, PICKUP_STORES):
        node = network.nodes[store]
        d = sourcer.source_order(
            stock, cap_left, cart.sku_index, cart.qty, node.lat, node.lon, pickup_node=store
        )
        if d.unfilled.sum() == 0:
            result.options.append(pickup_option(network, store, d, now))
    return result
