"""Every KPI of a replay, defined once: each function's docstring is its formula.

Terms: an order is *sourced* when at least one of its units is allocated; a *shipment* is one
order's allocations from one node (the contract's definition); *units* are allocated units unless
said otherwise. Money comes from the one cost function (`cost.evaluate`) on the strategy's
allocations and the day's orders. A KPI that does not apply (its model is absent from the
scenario, or its denominator is zero) is None, written as an empty cell, never a made-up number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from oms.domain.geo import haversine_km
from oms.kpis import rules
from oms.replay.bound import Bound
from oms.replay.day import Day
from oms.replay.fulfilment import available_lines, returned_units, short_picks
from oms.replay.hindsight import Hindsight
from oms.replay.ontime import actual_dates
from oms.replay.simulate import StrategyRun
from oms.returns import kpis as returns_kpis
from oms.returns.policy import Channel, Method, return_channel
from oms.sourcing import cost
from oms.sourcing.contract import F64, I64, B

Value = float | None


@dataclass(frozen=True)
class KpiSpec:
    key: str  # the kpis.csv column
    label: str
    kind: str  # count | money | share | number: how it is written


@dataclass(frozen=True)
class Facts:
    """What the KPIs read about one strategy's run."""

    day: Day
    run: StrategyRun
    report: cost.CostReport
    filled: I64  # per line: allocated units
    sourced: B  # per order
    ship_order: I64  # per shipment
    ship_node: I64
    ship_km: F64
    promised: I64  # per order: promised date (ordinal)

    @property
    def units(self) -> int:
        return int(self.day.problem.orders.line_qty.sum())

    @property
    def allocated(self) -> int:
        return int(self.filled.sum())

    def from_store(self) -> B:
        """Per allocation row: does a store ship it?"""
        kinds = np.array([k == "store" for k in self.day.problem.nodes.kind], dtype=np.bool_)
        return kinds[self.run.allocations.node]  # type: ignore[no-any-return]


def facts(day: Day, run: StrategyRun, promised: I64) -> Facts:
    o, n, a = day.problem.orders, day.problem.nodes, run.allocations
    filled = np.bincount(a.line, weights=a.qty, minlength=len(o.line_qty)).astype(np.int64)
    pairs = np.unique(a.order * len(n) + a.node)
    ship_order, ship_node = pairs // len(n), pairs % len(n)
    km = haversine_km(
        n.lat[ship_node], n.lon[ship_node], o.dest_lat[ship_order], o.dest_lon[ship_order]
    )
    sourced = np.bincount(a.order, weights=a.qty, minlength=len(o)) > 0
    report = cost.evaluate(day.problem, a)
    return Facts(day, run, report, filled, sourced, ship_order, ship_node, km, promised)


KPIS: list[KpiSpec] = []
_FORMULAS: dict[str, Callable[[Facts], Value]] = {}


def kpi(
    key: str, label: str, kind: str
) -> Callable[[Callable[[Facts], Value]], Callable[[Facts], Value]]:
    def register(fn: Callable[[Facts], Value]) -> Callable[[Facts], Value]:
        KPIS.append(KpiSpec(key, label, kind))
        _FORMULAS[key] = fn
        return fn

    return register


def kpi_definition(key: str) -> str:
    """The KPI's formula: its function's docstring on one line."""
    return " ".join((_FORMULAS[key].__doc__ or "").split())


def ratio(num: float, den: float) -> Value:
    return num / den if den else None


# ---------------------------------------------------------------- volume and money


@kpi("orders", "Orders", "count")
def orders(f: Facts) -> Value:
    """Orders in the day's stream."""
    return float(len(f.day.problem.orders))


@kpi("units", "Units ordered", "count")
def units(f: Facts) -> Value:
    """Units ordered, over every line."""
    return float(f.units)


@kpi("total_cost", "Total cost", "money")
def total_cost(f: Facts) -> Value:
    """The contract's total (`cost.evaluate`): shipping + handling + split + unfilled."""
    return f.report.cost.total


@kpi("cost_per_order", "Cost per order", "money")
def cost_per_order(f: Facts) -> Value:
    """total_cost / orders."""
    return ratio(f.report.cost.total, len(f.day.problem.orders))


@kpi("shipping_cost", "Shipping cost", "money")
def shipping_cost(f: Facts) -> Value:
    """Sum of shipment costs (`cost.shipment_cost`)."""
    return f.report.cost.shipping


@kpi("handling_cost", "Handling cost", "money")
def handling_cost(f: Facts) -> Value:
    """Sum over allocated units of their node's handling cost."""
    return f.report.cost.handling


@kpi("split_cost", "Split penalties", "money")
def split_cost(f: Facts) -> Value:
    """Sum over orders of `cost.split_cost(shipments)`."""
    return f.report.cost.split


@kpi("unfilled_cost", "Unfilled penalties", "money")
def unfilled_cost(f: Facts) -> Value:
    """`cost.unfilled_cost(unfilled units)`."""
    return f.report.cost.unfilled


# ---------------------------------------------------------------- shipments and fill


@kpi("shipments_per_order", "Shipments per order", "number")
def shipments_per_order(f: Facts) -> Value:
    """Shipments / sourced orders."""
    return ratio(len(f.ship_order), int(f.sourced.sum()))


@kpi("split_rate", "Split rate", "share")
def split_rate(f: Facts) -> Value:
    """Sourced orders with 2 or more shipments / sourced orders."""
    return ratio(int(np.sum(f.report.shipments >= 2)), int(f.sourced.sum()))


@kpi("avg_distance_km", "Average distance (km)", "number")
def avg_distance_km(f: Facts) -> Value:
    """Mean over shipments of the great-circle km from the node to the order's destination (0
    for a pickup order served by its own store)."""
    return float(f.ship_km.mean()) if len(f.ship_km) else None


@kpi("fill_rate", "Fill rate", "share")
def fill_rate(f: Facts) -> Value:
    """Allocated units / units ordered."""
    return ratio(f.allocated, f.units)


@kpi("unfilled_units", "Unfilled units", "count")
def unfilled_units(f: Facts) -> Value:
    """Units ordered - allocated units."""
    return float(f.units - f.allocated)


@kpi("ship_from_store_share", "Ship-from-store share", "share")
def ship_from_store_share(f: Facts) -> Value:
    """Allocated units a store ships to a customer's address (ship orders) / allocated units."""
    a, o = f.run.allocations, f.day.problem.orders
    home = ~o.is_pickup[a.order]
    return ratio(int(a.qty[home & f.from_store()].sum()), f.allocated)


@kpi("pickup_share", "Pickup share", "share")
def pickup_share(f: Facts) -> Value:
    """Allocated units of pickup orders (collected in a store, from its shelf or transferred to
    it) / allocated units."""
    a, o = f.run.allocations, f.day.problem.orders
    return ratio(int(a.qty[o.is_pickup[a.order]].sum()), f.allocated)


# ---------------------------------------------------------------- time


@kpi("on_time_rate", "On-time promise rate", "share")
def on_time_rate(f: Facts) -> Value:
    """Sourced orders whose last shipment arrives (or is ready in store) no later than the date
    promised at arrival / sourced orders (`oms.kpis.rules.on_time_rate`, every sourced order
    due; `ontime.py` says how both dates are worked out)."""
    actual = actual_dates(f.day, f.run.allocations, f.run.release_s)
    return rules.on_time_rate(f.sourced, f.promised, actual).value


@kpi("processing_minutes", "Order processing time (min)", "number")
def processing_minutes(f: Facts) -> Value:
    """Mean over sourced orders of (release - arrival) in minutes: how long an order waits
    before it is sourced and released to its nodes (0 for online-type strategies)."""
    wait = (f.run.release_s - f.day.arrival_s)[f.sourced]
    return float(wait.mean()) / 60.0 if len(wait) else None


# ---------------------------------------------------------------- omnichannel


@kpi("availability_rate", "Availability rate", "share")
def availability_rate(f: Facts) -> Value:
    """Order lines whose quantity was in stock (system count, nodes that were up) when the order
    arrived / order lines (`oms.kpis.rules.availability_rate` over
    `fulfilment.available_lines`)."""
    available = available_lines(f.day, f.run)
    return rules.availability_rate(int(available.sum()), len(available)).value


@kpi("stock_accuracy", "Stock accuracy", "share")
def stock_accuracy(f: Facts) -> Value:
    """Stock records (node, SKU) held at the start whose system count equals the shelf / stock
    records held at the start (`oms.kpis.rules.stock_accuracy`; the shelf is the system count
    less its phantom units). N/A without an `inventory_accuracy` model."""
    if f.day.phantom is None:
        return None
    system = f.day.problem.stock.astype(np.int64).ravel()
    shelf = system - f.day.phantom.astype(np.int64).ravel()
    return rules.stock_accuracy(system, shelf).value


@kpi("order_error_rate", "Order error rate", "share")
def order_error_rate(f: Facts) -> Value:
    """Sourced orders with an error / sourced orders (`oms.kpis.rules.order_error_rate`); the
    replay's only error is a short pick (a unit the system allocated was not on the shelf,
    `fulfilment.short_picks`). N/A without an `inventory_accuracy` model."""
    short = short_picks(f.day, f.run)
    if short is None:
        return None
    short_orders = np.zeros(len(f.sourced), dtype=np.bool_)
    short_orders[f.run.allocations.order[short > 0]] = True
    return rules.order_error_rate(f.sourced, short_orders).value


@kpi("return_rate", "Return rate", "share")
def return_rate(f: Facts) -> Value:
    """Returned units / allocated units (`oms.returns.kpis.return_rate`; returns drawn by
    `fulfilment.returned_units`). N/A without a returns model or without allocated units."""
    returned = returned_units(f.day, f.filled)
    if returned is None or not f.allocated:
        return None
    return returns_kpis.return_rate(int(returned[0].sum()), f.allocated)


@kpi("cross_channel_return_rate", "Cross-channel return rate", "share")
def cross_channel_return_rate(f: Facts) -> Value:
    """Returns that come back through another channel than they were bought in / returns
    (`oms.kpis.rules.cross_channel_return_rate`), each returned line a return. Every replayed
    order is bought on the web, so by the returns rule (`oms.returns.policy.return_channel`) a
    return dropped off in a store is cross-channel and a mailed one is not. N/A without a
    returns model or without returns."""
    returned = returned_units(f.day, f.filled)
    if returned is None:
        return None
    units, in_store = returned
    crosses = {m: return_channel(m) is not Channel.WEB for m in Method}
    cross = np.where(in_store, crosses[Method.IN_STORE], crosses[Method.MAIL])
    return rules.cross_channel_return_rate(cross[units > 0]).value


@kpi("omnichannel_order_share", "Omnichannel order share", "share")
def omnichannel_order_share(f: Facts) -> Value:
    """Sourced orders that cross channels / sourced orders (`oms.kpis.rules.crosses_channels`):
    every replayed order is bought on the web, so one crosses when it is collected in a store,
    a store ships any of its units, or (with a returns model) any of its lines comes back to a
    store."""
    o = f.day.problem.orders
    supplied = np.zeros(len(f.sourced), dtype=np.bool_)
    supplied[f.run.allocations.order[f.from_store()]] = True
    returned_in_store = np.zeros(len(f.sourced), dtype=np.bool_)
    returned = returned_units(f.day, f.filled)
    if returned is not None:
        units, in_store = returned
        returned_in_store[o.line_order[(units > 0) & in_store]] = True
    bought_in_store = np.zeros(len(f.sourced), dtype=np.bool_)
    crosses = rules.crosses_channels(bought_in_store, o.is_pickup, supplied, returned_in_store)
    return rules.omnichannel_share(crosses, f.sourced).value


# ---------------------------------------------------------------- the bound


@kpi("lower_bound", "Lower bound (whole day)", "money")
def lower_bound(f: Facts) -> Value:
    """Filled in by `kpi_rows`: the proven bound on any strategy's total cost (`bound.py`)."""
    return None


@kpi("gap_to_bound", "Gap to the bound", "share")
def gap_to_bound(f: Facts) -> Value:
    """Filled in by `kpi_rows`: (total_cost - lower_bound) / total_cost, an upper bound on how far
    the strategy is from the best any strategy could do."""
    return None


# ---------------------------------------------------------------- the hindsight optimum


@kpi("hindsight_cost", "Hindsight optimum (cost)", "money")
def hindsight_cost(f: Facts) -> Value:
    """Filled in by `strategy_kpis`: the cost of the best plan found for the whole day known in
    advance, honouring receipts, outages and capacity changes in time (`hindsight.py`)."""
    return None


@kpi("hindsight_bound", "Hindsight optimum (bound)", "money")
def hindsight_bound(f: Facts) -> Value:
    """Filled in by `strategy_kpis`: a proven lower bound on the hindsight optimum (equal to
    hindsight_cost when it was proven optimal)."""
    return None


@kpi("gap_to_hindsight", "Gap to the hindsight optimum", "share")
def gap_to_hindsight(f: Facts) -> Value:
    """Filled in by `strategy_kpis`: (total_cost - hindsight_cost) / hindsight_cost, what knowing
    the day in advance would have saved (a wave strategy, deciding after arrivals, may see a
    receipt or a recovery before the arrival rule allows it, so its gap can be slightly < 0)."""
    return None


@kpi("gap_closed", "Gap to hindsight closed (vs online)", "share")
def gap_closed(f: Facts) -> Value:
    """Filled in by `close_gaps` when `online` ran too: (online's cost - cost) / (online's cost -
    hindsight_cost), the share of what hindsight would have saved over `online` that this
    strategy saves (online: 0; the hindsight plan: 1; worse than online: < 0)."""
    return None


def close_gaps(rows: dict[str, dict[str, Value]], hindsight: Hindsight | None) -> None:
    """Fill each strategy's `gap_closed` (KPIs by strategy name) when online is among them."""
    online = rows.get("online")
    if hindsight is None or online is None:
        return
    reference = float(online["total_cost"] or 0.0)
    for values in rows.values():
        cost = float(values["total_cost"] or 0.0)
        values["gap_closed"] = ratio(reference - cost, reference - hindsight.cost)


def strategy_kpis(
    f: Facts, bound: Bound | None, hindsight: Hindsight | None = None
) -> dict[str, Value]:
    """Every KPI of one run, in `KPIS` order."""
    values = {spec.key: _FORMULAS[spec.key](f) for spec in KPIS}
    total = f.report.cost.total
    if bound is not None:
        values["lower_bound"] = bound.value
        values["gap_to_bound"] = ratio(total - bound.value, total) if total else 0.0
    if hindsight is not None:
        values["hindsight_cost"] = hindsight.cost
        values["hindsight_bound"] = hindsight.bound
        best = hindsight.cost
        values["gap_to_hindsight"] = ratio(total - best, best) if best else 0.0
    return values
