"""The explanation of a sourcing decision: its chosen plan is the sourcer's, no feasible
alternative beats it, each alternative's fill is the cheapest for its nodes, and the verdicts
say why on orders built to show each reason.

The reference is naive: every way of placing the cart's units on the nodes (each unit at a
node or left unfilled), checked with `cost.violations` and priced with `cost.evaluate` plus
the units' prices."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from oms.sourcing.contract import NO_LIMIT, Allocations, Nodes, Settings
from oms.sourcing.cost import evaluate, violations
from oms.sourcing.explain import OneOrder, explain_order, one_order_problem
from oms.sourcing.explain_fill import cheapest_fill
from oms.sourcing.lookahead import steering_settings
from oms.sourcing.online import NetworkArrays, OnlineSourcer

SETTINGS = Settings(split_penalty=1.5, unfilled_penalty=100.0, allow_transfers=True)


def nodes_of(lat, lon, *, handling=None, base=None, per_km=None, can_ship=None) -> Nodes:
    n = len(lat)
    ids = [f"N{i}" for i in range(n)]
    return Nodes(
        ids=ids,
        kind=["warehouse"] * n,
        lat=np.asarray(lat, dtype=np.float64),
        lon=np.asarray(lon, dtype=np.float64),
        can_ship=np.ones(n, dtype=bool) if can_ship is None else np.asarray(can_ship),
        can_pickup=np.zeros(n, dtype=bool),
        capacity=np.full(n, NO_LIMIT, dtype=np.int64),
        handling_cost=np.asarray(handling if handling is not None else [0.5] * n, dtype=float),
        shipment_cost=np.asarray(base if base is not None else [4.0] * n, dtype=float),
        cost_per_km=np.asarray(per_km if per_km is not None else [0.01] * n, dtype=float),
        index={s: i for i, s in enumerate(ids)},
    )


def decide_and_explain(order: OneOrder):
    """The real sourcer's decision for `order`, then its explanation."""
    nodes = order.nodes
    net = NetworkArrays.from_nodes(nodes, order.enabled)
    settings = SETTINGS
    if order.unit_price is not None:
        settings = steering_settings(SETTINGS, order.unit_price)
        order = OneOrder(**{**order.__dict__, "unfilled_penalty": settings.unfilled_penalty})
    decision = OnlineSourcer(net, settings).source_order(
        order.stock,
        order.cap_left,
        order.line_sku,
        order.line_qty,
        order.dest_lat,
        order.dest_lon,
        pickup_node=order.pickup_node,
        max_shipments=None if order.max_shipments == NO_LIMIT else order.max_shipments,
        unit_price=order.unit_price,
    )
    rows = list(
        zip(decision.line.tolist(), decision.node.tolist(), decision.qty.tolist(), strict=True)
    )
    return order, explain_order(order, rows)


def objective(order: OneOrder, alloc: Allocations) -> float:
    problem = one_order_problem(order)
    report = evaluate(problem, alloc)
    value = 0.0
    if order.unit_price is not None:
        value = float(np.sum(order.unit_price[order.line_sku[alloc.line], alloc.node] * alloc.qty))
    extra = (order.penalty - SETTINGS.unfilled_penalty) * int(report.unfilled_qty.sum())
    return report.cost.total + value + extra


def brute_force(order: OneOrder) -> dict[tuple[int, ...], float]:
    """The least objective of every node set (the nodes carrying units), over every feasible
    placement of each unit of the cart (each at a node, or unfilled)."""
    problem = one_order_problem(order)
    usable_nodes = [i for i in range(len(order.nodes)) if order.enabled[i]]
    units = [j for j, q in enumerate(order.line_qty.tolist()) for _ in range(q)]
    best: dict[tuple[int, ...], float] = {}
    for where in itertools.product([-1, *usable_nodes], repeat=len(units)):
        counts: dict[tuple[int, int], int] = {}
        for j, i in zip(units, where, strict=True):
            if i >= 0:
                counts[(j, i)] = counts.get((j, i), 0) + 1
        alloc = Allocations.from_rows([(0, j, i, q) for (j, i), q in counts.items()])
        if violations(problem, alloc):
            continue
        if order.unit_price is not None and not all(
            order.nodes.handling_cost[i] + order.unit_price[order.line_sku[j], i] < order.penalty
            for (j, i) in counts
        ):
            continue  # the sourcer never takes a unit dearer than leaving it
        key = tuple(sorted({i for (_, i) in counts}))
        cost = objective(order, alloc)
        best[key] = min(best.get(key, np.inf), cost)
    return best


def random_order(seed: int, *, priced: bool) -> OneOrder:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    n_sku = int(rng.integers(1, 3))
    n_lines = int(rng.integers(1, 3))
    nodes = nodes_of(
        rng.uniform(44, 49, n),
        rng.uniform(0, 6, n),
        handling=rng.uniform(0.1, 2.0, n),
        base=rng.uniform(2, 8, n),
        per_km=rng.uniform(0.001, 0.02, n),
    )
    line_sku = rng.integers(0, n_sku, n_lines).astype(np.int64)
    return OneOrder(
        nodes=nodes,
        enabled=rng.random(n) > 0.15,
        settings=SETTINGS,
        sku_ids=[f"S{k}" for k in range(n_sku)],
        stock=rng.integers(0, 3, (n_sku, n)).astype(np.int64),
        cap_left=np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), NO_LIMIT).astype(np.int64),
        line_sku=line_sku,
        line_qty=rng.integers(1, 3, n_lines).astype(np.int64),
        dest_lat=float(rng.uniform(44, 49)),
        dest_lon=float(rng.uniform(0, 6)),
        max_shipments=int(rng.choice([1, 2, NO_LIMIT])),
        unit_price=rng.uniform(0, 5, (n_sku, n)) if priced else None,
    )


@pytest.mark.parametrize("priced", [False, True], ids=["online", "lookahead"])
@pytest.mark.parametrize("seed", range(60))
def test_the_chosen_plan_is_the_brute_force_optimum_and_no_feasible_alternative_beats_it(
    seed: int, priced: bool
) -> None:
    order, why = decide_and_explain(random_order(seed, priced=priced))
    best = brute_force(order)
    assert why.chosen.objective == pytest.approx(min(best.values()), abs=1e-6)
    for alt in why.alternatives:
        if alt.verdict in ("costlier", "tied"):
            assert alt.plan.objective >= why.chosen.objective - 1e-6
            nodes = tuple(sorted(order.nodes.index[n] for n in alt.plan.nodes))
            # the fill of exactly these nodes is the cheapest there is
            assert alt.plan.objective == pytest.approx(best[nodes], abs=1e-6)
        assert alt.extra_cost == pytest.approx(alt.plan.objective - why.chosen.objective, abs=1e-6)


def line_order(stock, *, cap=None, qty=(1,), sku=(0,), lat=48.85, lon=2.35, **kw) -> OneOrder:
    """Three nodes on a line west to east of Paris (N0 nearest), two SKUs."""
    nodes = nodes_of([48.85, 48.85, 48.85], [2.4, 3.5, 5.0])
    stock = np.asarray(stock, dtype=np.int64)
    return OneOrder(
        nodes=nodes,
        enabled=np.ones(3, dtype=bool),
        settings=SETTINGS,
        sku_ids=["A", "B"][: stock.shape[0]],
        stock=stock,
        cap_left=np.asarray(cap if cap is not None else [NO_LIMIT] * 3, dtype=np.int64),
        line_sku=np.asarray(sku, dtype=np.int64),
        line_qty=np.asarray(qty, dtype=np.int64),
        dest_lat=lat,
        dest_lon=lon,
        **kw,
    )


def verdict_of(why, nodes: list[str]):
    found = [a for a in why.alternatives if a.plan.nodes == nodes or _set_of(a) == nodes]
    assert found, (
        f"no alternative over {nodes}: {[(_set_of(a), a.verdict) for a in why.alternatives]}"
    )
    return found[0]


def _set_of(alt) -> list[str]:
    return sorted(alt.plan.nodes)


def test_the_nearest_node_without_the_sku_is_rejected_for_no_stock_naming_the_sku() -> None:
    _, why = decide_and_explain(line_order([[0, 3, 3]]))
    assert why.chosen.nodes == ["N1"]
    alt = next(a for a in why.alternatives if a.verdict == "no_stock")
    assert 'SKU "A"' in alt.detail and "1 short" in alt.detail


def test_a_node_with_the_stock_but_no_capacity_left_is_rejected_for_capacity() -> None:
    _, why = decide_and_explain(line_order([[2, 2, 2]], qty=(2,), cap=[1, NO_LIMIT, NO_LIMIT]))
    assert why.chosen.nodes == ["N1"]  # N0 holds both units but may ship one only
    kinds = {a.verdict: a for a in why.alternatives}
    assert "capacity" in kinds and "N0 1" in kinds["capacity"].detail


def test_a_set_with_an_idle_node_is_dominated_and_a_dearer_one_is_costlier_by_its_extra() -> None:
    _, why = decide_and_explain(line_order([[3, 3, 3]]))
    assert why.chosen.nodes == ["N0"]
    kinds = {a.verdict for a in why.alternatives}
    assert "dominated" in kinds
    dearer = [a for a in why.alternatives if a.verdict == "costlier"]
    assert dearer and dearer[0].plan.nodes == ["N1"]
    assert dearer[0].detail == f"costlier by {dearer[0].extra_cost:.2f}"
    assert dearer[0].extra_cost > 0


def test_a_split_beyond_the_orders_shipments_is_rejected_for_max_shipments() -> None:
    # A at N0 only, B at N1 only: the cart needs two shipments; the order allows one.
    _, why = decide_and_explain(
        line_order([[1, 0, 0], [0, 1, 0]], qty=(1, 1), sku=(0, 1), max_shipments=1)
    )
    assert why.chosen.unfilled_units == 1
    assert any(a.verdict == "max_shipments" for a in why.alternatives)


def test_the_chosen_plan_breaks_its_cost_down_as_the_one_cost_function_does() -> None:
    _, why = decide_and_explain(line_order([[0, 1, 2], [1, 0, 0]], qty=(2, 1), sku=(0, 1)))
    c = why.chosen.cost
    assert c.total == pytest.approx(c.shipping + c.handling + c.split + c.unfilled)
    assert why.chosen.shipments == len(why.chosen.nodes) and c.split == 1.5 * (c.split > 0)
    assert why.chosen.stock_value is None
    assert all(r.lookahead_price is None for r in why.chosen.rows)


def test_under_lookahead_each_unit_carries_its_price_and_the_plan_its_stock_value() -> None:
    prices = np.array([[9.0, 0.5, 0.0]])
    order, why = decide_and_explain(line_order([[3, 3, 3]], unit_price=prices))
    # N0 is nearest, but its units are dear for the day's demand still to come
    assert why.chosen.nodes != ["N0"]
    for row in why.chosen.rows:
        assert row.lookahead_price == prices[0, order.nodes.index[row.node]]
    expected = sum(r.lookahead_price * r.qty for r in why.chosen.rows)
    assert why.chosen.stock_value == pytest.approx(expected)
    assert why.chosen.objective == pytest.approx(why.chosen.cost.total + expected)


def best_fill_by_enumeration(demand, have, cost, cap) -> tuple[int, float]:
    """(most units placed, least cost among those) over every placement [u, k]."""
    cells = [(u, k) for u in range(have.shape[0]) for k in range(have.shape[1])]
    best = (0, 0.0)
    for counts in itertools.product(*[range(int(have[u, k]) + 1) for u, k in cells]):
        units = np.zeros(have.shape, dtype=np.int64)
        for (u, k), q in zip(cells, counts, strict=True):
            units[u, k] = q
        if np.any(units.sum(axis=1) > demand) or np.any(units.sum(axis=0) > cap):
            continue
        placed, total = int(units.sum()), float(np.sum(units * cost))
        if placed > best[0] or (placed == best[0] and total < best[1] - 1e-9):
            best = (placed, total)
    return best


@pytest.mark.parametrize("seed", range(150))
def test_the_fill_of_a_node_set_places_the_most_units_at_the_least_cost(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n_u, n_k = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    demand = rng.integers(0, 4, n_u).astype(np.int64)
    have = rng.integers(0, 3, (n_u, n_k)).astype(np.int64)
    cost = rng.integers(0, 8, (n_u, n_k)).astype(np.float64) / 4
    cap = rng.integers(0, 5, n_k).astype(np.int64)  # often binding
    fill = cheapest_fill(demand, have, cost, cap)
    assert np.all(fill.units <= have) and np.all(fill.units.sum(axis=1) <= demand)
    assert np.all(fill.units.sum(axis=0) <= cap)
    placed, total = best_fill_by_enumeration(demand, have, cost, cap)
    assert (int(fill.units.sum()), fill.unit_cost) == (placed, pytest.approx(total))
