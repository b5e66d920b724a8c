"""Delivery options for a cart: sourcing decisions turned into what checkout shows.

An application service: it runs the one-order sourcer (numba) on a stock snapshot, so it is not
part of the pure promise rules. It reads stock; it reserves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from oms.promise import EXPRESS, STANDARD
from oms.promise.option_dates import OptionDates
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
    network: Network, decision: OrderDecision, cart: Cart, dates: OptionDates, now: datetime
) -> list[Option]:
    nodes = sorted(set(decision.node.tolist()))
    km = [network.km_to_point(n, cart.lat, cart.lon) for n in nodes]
    allocations = allocations_of(network, decision)
    options = []
    for service, extra in ((STANDARD, 0.0), (EXPRESS, EXPRESS_SURCHARGE * len(nodes))):
        arrives = max(dates.delivery(n, service, k, now) for n, k in zip(nodes, km, strict=True))
        options.append(
            Option(
                id=service.name,
                method="ship",
                service=service.name,
                cost=round(decision.cost + extra, 2),
                allocations=allocations,
                delivery_date=arrives,
            )
        )
    return options


def pickup_option(
    network: Network, store: int, decision: OrderDecision, dates: OptionDates, now: datetime
) -> Option:
    """Ready at the store: picked there when it holds everything, else when transfers arrive."""
    node = network.nodes[store]
    ready = dates.pick_ready(store, now)
    for n in set(decision.node.tolist()) - {store}:
        ready = max(ready, dates.transfer_ready(n, store, now))
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
    km = network.km_to(stores, lat, lon)
    return [stores[i] for i in np.argsort(km, kind="stable")[:k].tolist()]


def promise(
    network: Network,
    sourcer: OnlineSourcer,
    stock: I64,
    cap_left: I64,
    cart: Cart,
    now: datetime,
    dates: OptionDates | None = None,
) -> PromiseResult:
    """Standard and express delivery from the cheapest plan, and click-and-collect at the
    nearest stores; options that cannot deliver every unit are left out (shortfalls say why)."""
    result = PromiseResult()
    dates = dates or OptionDates(network)
    ship = sourcer.source_order(stock, cap_left, cart.sku_index, cart.qty, cart.lat, cart.lon)
    if ship.unfilled.sum() == 0:
        result.options.extend(ship_options(network, ship, cart, dates, now))
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
            result.options.append(pickup_option(network, store, d, dates, now))
    return result
