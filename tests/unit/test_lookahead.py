"""The look-ahead policy's parts: the forecast by region x SKU, the transportation LP's prices
(checked against prices worked out by hand), and a day on which looking ahead pays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from oms.domain.geo import haversine_km
from oms.sourcing import cost
from oms.sourcing.contract import Problem, parse_problem
from oms.sourcing.forecast import demand_lines
from oms.sourcing.lookahead import opportunity_costs, steering_settings, units_per_order
from oms.sourcing.registry import get

U = 100.0  # the unfilled penalty of every problem here


def node(nid: str, lat: float, lon: float, **kw: Any) -> dict[str, Any]:
    base = {
        "id": nid,
        "kind": "store",
        "lat": lat,
        "lon": lon,
        "can_ship": True,
        "can_pickup": True,
        "capacity_units": None,
        "handling_cost": 0.5,
        "shipment_cost": 4.0,
        "cost_per_km": 0.01,
    }
    return {**base, **kw}


def order(oid: str, lat: float, lon: float, *lines: tuple[str, int]) -> dict[str, Any]:
    return {
        "id": oid,
        "lat": lat,
        "lon": lon,
        "delivery": "ship",
        "pickup_node": None,
        "max_shipments": None,
        "lines": [{"id": f"{oid}-{j}", "sku": s, "qty": q} for j, (s, q) in enumerate(lines)],
    }


def problem(
    nodes: list[dict[str, Any]], stock: dict[tuple[str, str], int], orders: list[Any]
) -> Problem:
    return parse_problem(
        {
            "version": 1,
            "settings": {"split_penalty": 1.5, "unfilled_penalty": U, "allow_transfers": True},
            "nodes": nodes,
            "inventory": [{"node": n, "sku": s, "qty": q} for (n, s), q in stock.items()],
            "orders": orders,
        }
    )


LYON, PARIS = (45.76, 4.84), (48.86, 2.35)


def two_city_problem(orders: list[Any], *, store_capacity: int | None = None) -> Problem:
    """A Lyon warehouse with plenty of X, a Paris store with one X and one Y (only it has Y)."""
    return problem(
        [
            node("DC-LYON", *LYON, kind="warehouse", can_pickup=False),
            node("ST-PARIS", *PARIS, capacity_units=store_capacity),
        ],
        {("DC-LYON", "X"): 50, ("ST-PARIS", "X"): 1, ("ST-PARIS", "Y"): 1},
        orders,
    )


def test_the_forecast_is_the_weighted_demand_after_a_time_by_region_and_sku():
    p = two_city_problem(
        [order("O1", *PARIS, ("X", 2)), order("O2", *PARIS, ("Y", 1)), order("O3", *LYON, ("X", 3))]
    )
    lines = demand_lines(p.orders, np.array([10.0, 20.0, 30.0]), p.nodes, 2, weight=0.5)
    paris = int(np.argmin(np.abs(lines.regions.lat - PARIS[0])))
    lyon = 1 - paris
    assert lines.after(0.0).units.tolist()[paris] == [1.0, 0.5]
    assert lines.after(0.0).units.tolist()[lyon] == [1.5, 0.0]
    assert lines.after(15.0).units.tolist()[paris] == [0.0, 0.5]  # O1 is past
    assert lines.after(31.0).total == 0.0
    assert lines.orders == 1.5 and units_per_order(lines) == pytest.approx(6 * 0.5 / 1.5)


def test_a_pickup_order_forecasts_demand_at_its_pickup_node():
    p = two_city_problem([{**order("O1", *LYON, ("Y", 1)), "delivery": "pickup",
                           "pickup_node": "ST-PARIS"}])  # fmt: skip
    lines = demand_lines(p.orders, np.array([0.0]), p.nodes, 2)
    assert lines.regions.pickup.tolist() == [p.nodes.index["ST-PARIS"]]
    assert lines.regions.lat[0] == pytest.approx(PARIS[0])


def prices_for(p: Problem, stock: np.ndarray, cap: np.ndarray, times: list[float]) -> Any:
    lines = demand_lines(p.orders, np.array(times), p.nodes, len(p.sku_ids))
    return opportunity_costs(
        p.nodes,
        p.settings,
        stock,
        cap,
        np.ones(len(p.nodes), dtype=np.bool_),
        lines.after(0.0),
        units_per_shipment=1.0,
    )


def test_the_last_unit_wanted_elsewhere_is_priced_at_what_it_saves_there():
    """One unit of Y in Paris, two Parisians forecast to want one each: the LP fills one and
    leaves one unfilled, so the unit is worth U less its cost to the one it serves."""
    p = two_city_problem([order("O1", *PARIS, ("Y", 1)), order("O2", *PARIS, ("Y", 1))])
    prices = prices_for(p, p.stock, p.nodes.capacity, [0.0, 1.0])
    y, store = p.sku_index["Y"], p.nodes.index["ST-PARIS"]
    ship = cost.shipment_cost(4.0, 0.01, 0.0, 0.0)  # the region's centroid is the store
    assert prices.optimal
    assert prices.stock[y, store] == pytest.approx(U - 0.5 - ship, abs=1e-6)
    assert prices.capacity[store] == 0.0  # no capacity limit
    assert prices.unit[y, store] == prices.stock[y, store] + prices.capacity[store]


def test_stock_that_covers_its_forecast_is_free():
    p = two_city_problem([order("O1", *PARIS, ("Y", 1))])
    prices = prices_for(p, p.stock, p.nodes.capacity, [0.0])
    assert np.all(prices.unit == 0.0)


def test_a_store_whose_capacity_binds_prices_its_capacity_so_it_keeps_it_for_what_only_it_has():
    """The store can ship one unit a day and is forecast to be asked for its X and its Y: the
    X can come from Lyon, the Y cannot, so a unit of X from the store must cost at least what
    it costs from Lyon (the capacity's price covers the difference), and Lyon's stock is free."""
    p = two_city_problem(
        [order("O1", *PARIS, ("X", 1)), order("O2", *PARIS, ("Y", 1))], store_capacity=1
    )
    prices = prices_for(p, p.stock, p.nodes.capacity, [0.0, 1.0])
    store, dc, x = p.nodes.index["ST-PARIS"], p.nodes.index["DC-LYON"], p.sku_index["X"]
    from_store = 0.5 + cost.shipment_cost(4.0, 0.01, 0.0, 0.0)
    from_lyon = 0.5 + cost.shipment_cost(4.0, 0.01, haversine_km(*LYON, *PARIS), 0.0)
    assert prices.capacity[store] > 0.0 and prices.capacity[dc] == 0.0
    assert from_store + prices.unit[x, store] >= from_lyon - 1e-6
    assert prices.unit[x, dc] == 0.0


def test_prices_only_steer_never_ration_the_unfilled_penalty_is_raised_by_the_top_price():
    p = two_city_problem([order("O1", *PARIS, ("Y", 1))])
    prices = np.array([[0.0, 3.0], [0.0, 95.0]])
    assert steering_settings(p.settings, prices).unfilled_penalty == U + 95.0
    assert steering_settings(p.settings, np.zeros((0, 2))).unfilled_penalty == U


def test_looking_ahead_keeps_the_stores_one_unit_of_capacity_for_what_only_the_store_has():
    """Online serves the early X order from the Paris store (nearer, cheaper), which uses the
    store's only unit of capacity; the later Y order, which only the store can serve, is then
    left unfilled. Looking ahead prices the store's capacity, sends the X from Lyon and fills
    both."""
    p = two_city_problem(
        [order("O1", *PARIS, ("X", 1)), order("O2", *PARIS, ("Y", 1))], store_capacity=1
    )
    online = get("online").plan(p)
    ahead = get("lookahead").plan(p)
    assert online.cost.unfilled == U
    assert ahead.cost.unfilled == 0.0
    assert ahead.cost.total < online.cost.total
    assert cost.violations(p, ahead.allocations) == []
