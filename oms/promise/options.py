"""Delivery options for a cart: sourcing decisions turned into what checkout shows.

An application service: it runs the one-order sourcer (numba) on a stock snapshot, so it is not
part of the pure promise rules. It reads stock; it reserves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from oms.promise.choice import DeliveryService, option_id
from oms.promise.option_dates import MinuteDates, OptionDates
from oms.sourcing.contract import F64, I64
from oms.sourcing.network import Network
from oms.sourcing.online import OnlineSourcer, PromisePlan

PICKUP_STORES = 3  # click-and-collect offers the nearest stores
EXPRESS_SURCHARGE = 6.0  # per shipment, on top of the contract's cost


# Plain slotted records, not frozen ones: a frozen dataclass pays a setattr call per field, and
# a promise makes a handful of these per request.
@dataclass(slots=True)
class Cart:
    skus: list[str]  # one per line
    sku_index: I64  # rows of the stock snapshot, one per line
    qty: I64
    lat: float
    lon: float


@dataclass(slots=True)
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


def allocations_of(network: Network, plan: PromisePlan) -> list[tuple[int, str, int]]:
    ids = network.ids
    return [(line, ids[node], q) for line, node, q in plan.rows]


def ship_options(
    network: Network, plan: PromisePlan, cart: Cart, dates: MinuteDates
) -> list[Option]:
    """Standard delivery, and express when it arrives sooner: an express option that is not
    faster than standard for this cart and destination is not offered (it would cost more for
    nothing)."""
    nodes = sorted({node for _, node, _ in plan.rows})
    address = (cart.lat, cart.lon)
    allocations = allocations_of(network, plan)
    options: list[Option] = []
    standard: date | None = None
    for service, extra in (
        (DeliveryService.STANDARD, 0.0),
        (DeliveryService.EXPRESS, EXPRESS_SURCHARGE * len(nodes)),
    ):
        arrives = max(dates.promised(n, service, address=address).day for n in nodes)
        if standard is not None and arrives >= standard:
            continue
        standard = standard or arrives
        options.append(
            Option(
                id=option_id(service),
                method="ship",
                service=service.value,
                cost=round(plan.cost + extra, 2),
                allocations=allocations,
                delivery_date=arrives,
            )
        )
    return options


def pickup_option(network: Network, plan: PromisePlan, dates: MinuteDates) -> Option:
    """Ready at the store: picked there when it holds everything, else when transfers arrive."""
    store = plan.store
    node_id = network.ids[store]
    collect = DeliveryService.CLICK_AND_COLLECT
    ready = max(
        dates.promised(n, collect, store=store).at for n in {node for _, node, _ in plan.rows}
    )
    return Option(
        id=option_id(collect, node_id),
        method="pickup",
        service=collect.value,
        cost=round(plan.cost, 2),
        allocations=allocations_of(network, plan),
        ready_at=ready,
        node=node_id,
    )


def promise(
    network: Network,
    sourcer: OnlineSourcer,
    stock: I64,
    cap_left: I64,
    cart: Cart,
    now: datetime,
    dates: OptionDates | None = None,
    *,
    unit_price: F64 | None = None,
) -> PromiseResult:
    """Standard delivery (and express where it is faster) from the cheapest plan, and
    click-and-collect at the nearest stores; options that cannot deliver every unit are left
    out (shortfalls say why). Dates are the one promise-date rule's (`oms.promise.rule`).
    ``unit_price`` [stock row, node]: the look-ahead policy's prices (`sourcer` steered by
    them), added to each unit's cost when choosing nodes; an option's cost stays the true one."""
    result = PromiseResult()
    minute = (dates or OptionDates(network)).at(now)
    plans = sourcer.source_promise(
        stock,
        cap_left,
        cart.sku_index,
        cart.qty,
        cart.lat,
        cart.lon,
        PICKUP_STORES,
        unit_price=unit_price,
    )
    for plan in plans:
        if plan.store >= 0:
            if not any(plan.unfilled):
                result.options.append(pickup_option(network, plan, minute))
        elif any(plan.unfilled):
            qty = cart.qty.tolist()
            result.shortfalls = [
                (cart.skus[j], qty[j], qty[j] - short)
                for j, short in enumerate(plan.unfilled)
                if short
            ]
        else:
            result.options.extend(ship_options(network, plan, cart, minute))
    return result
