"""Baseline strategies on hand-built tiny problems: one rule per test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from oms.domain.errors import ValidationError
from oms.sourcing import cost
from oms.sourcing.contract import Plan, Problem, parse_problem
from oms.sourcing.registry import BASELINES, STRATEGY_NAMES, plan_with

ALL = sorted(BASELINES)

# The destination of every ship order below; nodes sit east of it, further with larger lon.
DEST = (45.0, 5.0)


def node(nid: str, lon: float, *, capacity: int | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "id": nid,
        "kind": kw.get("kind", "warehouse"),
        "lat": DEST[0],
        "lon": lon,
        "can_ship": kw.get("can_ship", True),
        "can_pickup": kw.get("can_pickup", False),
        "capacity_units": capacity,
        "handling_cost": 0.1,
        "shipment_cost": 2.0,
        "cost_per_km": 0.01,
    }


def order(
    oid: str, *lines: tuple[str, int], max_shipments: int | None = None, pickup: str | None = None
) -> dict[str, Any]:
    return {
        "id": oid,
        "lat": DEST[0],
        "lon": DEST[1],
        "delivery": "pickup" if pickup else "ship",
        "pickup_node": pickup,
        "max_shipments": max_shipments,
        "lines": [{"id": f"{oid}-{j}", "sku": s, "qty": q} for j, (s, q) in enumerate(lines)],
    }


def problem(
    nodes: list[dict[str, Any]],
    stock: dict[tuple[str, str], int],
    orders: list[dict[str, Any]],
    *,
    allow_transfers: bool = True,
) -> Problem:
    return parse_problem(
        {
            "version": 1,
            "settings": {
                "split_penalty": 1.5,
                "unfilled_penalty": 100.0,
                "allow_transfers": allow_transfers,
            },
            "nodes": nodes,
            "inventory": [{"node": n, "sku": s, "qty": q} for (n, s), q in stock.items()],
            "orders": orders,
        }
    )


def taken(p: Problem, plan: Plan) -> list[tuple[str, str, int]]:
    """(line id, node id, qty) rows of a plan, in plan order."""
    a = plan.allocations
    return [
        (p.orders.line_ids[li], p.nodes.ids[ni], q)
        for li, ni, q in zip(a.line.tolist(), a.node.tolist(), a.qty.tolist(), strict=True)
    ]


def run(p: Problem, name: str) -> list[tuple[str, str, int]]:
    plan = plan_with(p, name)
    assert cost.violations(p, plan.allocations) == []
    return taken(p, plan)


# ---------------------------------------------------------------- priority


def test_priority_takes_nodes_in_the_problems_node_order() -> None:
    p = problem(
        [node("FAR", 7.0), node("NEAR", 5.1)],
        {("FAR", "X"): 5, ("NEAR", "X"): 5},
        [order("O", ("X", 2))],
    )
    assert run(p, "priority") == [("O-0", "FAR", 2)]


def test_priority_takes_the_remainder_from_the_next_node() -> None:
    p = problem(
        [node("A", 7.0), node("B", 5.1), node("C", 5.2)],
        {("A", "X"): 2, ("C", "X"): 5},
        [order("O", ("X", 3))],
    )
    assert run(p, "priority") == [("O-0", "A", 2), ("O-0", "C", 1)]


def test_priority_uses_only_the_orders_nodes_once_it_has_max_shipments() -> None:
    p = problem(
        [node("A", 5.1), node("B", 5.2)],
        {("A", "X"): 1, ("B", "X"): 5, ("A", "Y"): 1, ("B", "Y"): 5},
        [order("O", ("X", 2), ("Y", 2), max_shipments=1)],
    )
    assert run(p, "priority") == [("O-0", "A", 1), ("O-1", "A", 1)]


# ---------------------------------------------------------------- nearest


def test_nearest_takes_the_closest_node_with_stock() -> None:
    p = problem(
        [node("FAR", 7.0), node("NEAR", 5.1), node("MID", 5.5)],
        {("FAR", "X"): 5, ("MID", "X"): 5, ("NEAR", "Y"): 5},
        [order("O", ("X", 2))],
    )
    assert run(p, "nearest") == [("O-0", "MID", 2)]


def test_nearest_takes_the_remainder_from_the_next_nearest() -> None:
    p = problem(
        [node("FAR", 7.0), node("NEAR", 5.1), node("MID", 5.5)],
        {("FAR", "X"): 5, ("MID", "X"): 5, ("NEAR", "X"): 1},
        [order("O", ("X", 3))],
    )
    assert run(p, "nearest") == [("O-0", "NEAR", 1), ("O-0", "MID", 2)]


def test_nearest_breaks_distance_ties_by_node_order() -> None:
    p = problem(
        [node("B", 5.5), node("A", 4.5)], {("A", "X"): 5, ("B", "X"): 5}, [order("O", ("X", 1))]
    )
    assert run(p, "nearest") == [("O-0", "B", 1)]


# ---------------------------------------------------------------- fewest splits


def test_fewest_splits_prefers_one_far_node_covering_everything_over_two_near_nodes() -> None:
    p = problem(
        [node("NEAR1", 5.1), node("NEAR2", 5.2), node("FAR", 8.0)],
        {("NEAR1", "X"): 5, ("NEAR2", "Y"): 5, ("FAR", "X"): 5, ("FAR", "Y"): 5},
        [order("O", ("X", 1), ("Y", 1))],
    )
    assert run(p, "fewest-splits") == [("O-0", "FAR", 1), ("O-1", "FAR", 1)]
    assert len({n for _, n, _ in run(p, "nearest")}) == 2


def test_fewest_splits_takes_the_nearest_of_the_nodes_that_cover_the_order() -> None:
    p = problem(
        [node("FAR", 8.0), node("MID", 6.0), node("NEAR", 5.1)],
        {("FAR", "X"): 5, ("MID", "X"): 5, ("NEAR", "X"): 1},
        [order("O", ("X", 2))],
    )
    assert run(p, "fewest-splits") == [("O-0", "MID", 2)]


def test_fewest_splits_judges_coverage_over_lines_sharing_a_sku() -> None:
    p = problem(
        [node("NEAR", 5.1), node("FAR", 6.0)],
        {("NEAR", "X"): 3, ("FAR", "X"): 4},
        [order("O", ("X", 2), ("X", 2))],
    )
    assert run(p, "fewest-splits") == [("O-0", "FAR", 2), ("O-1", "FAR", 2)]


def test_fewest_splits_picks_the_covering_pair_with_the_least_total_distance() -> None:
    p = problem(
        [node("A", 9.0), node("B", 5.5), node("C", 5.2), node("D", 5.1)],
        {("A", "X"): 5, ("B", "Y"): 5, ("C", "X"): 5, ("D", "Z"): 5},
        [order("O", ("X", 1), ("Y", 1))],
    )
    # Covering pairs: A+B and B+C; B+C is the closest. The nearer node, C, ships first.
    assert run(p, "fewest-splits") == [("O-0", "C", 1), ("O-1", "B", 1)]


def test_fewest_splits_pair_leaves_the_capacity_bound_node_its_share_only() -> None:
    p = problem(
        [node("NEAR", 5.1, capacity=2), node("FAR", 6.0)],
        {("NEAR", "X"): 5, ("NEAR", "Y"): 5, ("FAR", "X"): 5},
        [order("O", ("Y", 2), ("X", 2))],
    )
    # NEAR alone holds Y, so its capacity of 2 goes to Y and FAR ships all of X.
    assert run(p, "fewest-splits") == [("O-0", "NEAR", 2), ("O-1", "FAR", 2)]


def test_fewest_splits_covers_greedily_when_no_pair_does_and_leaves_the_rest_unfilled() -> None:
    p = problem(
        [node("A", 5.1), node("B", 5.2), node("C", 5.3), node("D", 5.4)],
        {("A", "X"): 1, ("B", "Y"): 2, ("C", "Z"): 1, ("D", "Y"): 1},
        [order("O", ("X", 1), ("Y", 3), ("Z", 1), max_shipments=2)],
    )
    # B covers the most (2 units); then A and C tie at 1 unit and A is nearer; max 2 nodes.
    assert run(p, "fewest-splits") == [("O-0", "A", 1), ("O-1", "B", 2)]


# ---------------------------------------------------------------- rules every strategy obeys


@pytest.mark.parametrize("name", ALL)
def test_every_strategy_respects_max_shipments(name: str) -> None:
    p = problem(
        [node("A", 5.1), node("B", 5.2)],
        {("A", "X"): 5, ("B", "Y"): 5},
        [order("O", ("X", 1), ("Y", 1), max_shipments=1)],
    )
    plan = plan_with(p, name)
    assert cost.violations(p, plan.allocations) == []
    assert plan.shipments.tolist() == [1]
    assert plan.unfilled_qty.sum() == 1


@pytest.mark.parametrize("name", ALL)
def test_every_strategy_respects_node_capacity(name: str) -> None:
    p = problem(
        [node("A", 5.1, capacity=1), node("B", 5.2)],
        {("A", "X"): 5, ("B", "X"): 5},
        [order("O1", ("X", 3), max_shipments=2)],
    )
    rows = run(p, name)
    assert sum(q for _, n, q in rows if n == "A") <= 1
    assert sum(q for _, _, q in rows) == 3


@pytest.mark.parametrize("name", ALL)
def test_stock_taken_by_an_earlier_order_is_not_available_to_a_later_one(name: str) -> None:
    p = problem([node("A", 5.1)], {("A", "X"): 2}, [order("O1", ("X", 2)), order("O2", ("X", 2))])
    assert run(p, name) == [("O1-0", "A", 2)]


@pytest.mark.parametrize("name", ALL)
def test_capacity_used_by_an_earlier_order_is_not_available_to_a_later_one(name: str) -> None:
    p = problem(
        [node("A", 5.1, capacity=3)],
        {("A", "X"): 9},
        [order("O1", ("X", 2)), order("O2", ("X", 2))],
    )
    assert run(p, name) == [("O1-0", "A", 2), ("O2-0", "A", 1)]


@pytest.mark.parametrize("name", ALL)
def test_two_lines_of_one_sku_share_the_nodes_stock(name: str) -> None:
    p = problem([node("A", 5.1)], {("A", "X"): 3}, [order("O", ("X", 2), ("X", 2))])
    assert run(p, name) == [("O-0", "A", 2), ("O-1", "A", 1)]


@pytest.mark.parametrize("name", ALL)
def test_pickup_orders_without_transfers_are_served_by_their_pickup_node_only(name: str) -> None:
    p = problem(
        [node("NEAR", 5.1), node("STORE", 6.0, can_ship=False, can_pickup=True)],
        {("NEAR", "X"): 5, ("STORE", "X"): 1},
        [order("O", ("X", 2), pickup="STORE")],
        allow_transfers=False,
    )
    assert run(p, name) == [("O-0", "STORE", 1)]


@pytest.mark.parametrize("name", ALL)
def test_nodes_that_cannot_ship_never_serve_ship_orders(name: str) -> None:
    p = problem(
        [node("STORE", 5.1, can_ship=False, can_pickup=True), node("DC", 6.0)],
        {("STORE", "X"): 5, ("DC", "X"): 5},
        [order("O", ("X", 1))],
    )
    assert run(p, name) == [("O-0", "DC", 1)]


@pytest.mark.parametrize("name", ALL)
def test_per_order_functions_take_what_they_allocate_from_the_given_arrays(name: str) -> None:
    p = problem(
        [node("A", 5.1, capacity=10), node("B", 5.2)],
        {("A", "X"): 1, ("B", "X"): 5},
        [order("O", ("X", 3))],
    )
    stock, capacity_left = p.stock.copy(), p.nodes.capacity.copy()
    rows = BASELINES[name](p, 0, stock, capacity_left)
    assert sum(q for _, _, q in rows) == 3
    assert int(p.stock.sum() - stock.sum()) == 3
    assert int(p.nodes.capacity.sum() - capacity_left.sum()) == 3
    assert np.all(stock >= 0)


# ---------------------------------------------------------------- plan_with


def test_plan_with_refuses_an_unknown_strategy_naming_the_valid_ones() -> None:
    p = problem([node("A", 5.1)], {("A", "X"): 1}, [order("O", ("X", 1))])
    with pytest.raises(ValidationError) as err:
        plan_with(p, "cheapest")
    assert "cheapest" in err.value.detail
    assert all(name in err.value.detail for name in STRATEGY_NAMES)


def test_plan_with_a_baseline_returns_an_online_heuristic_plan_naming_its_strategy() -> None:
    p = problem([node("A", 5.1)], {("A", "X"): 1}, [order("O", ("X", 2))])
    plan = plan_with(p, "nearest")
    assert (plan.status, plan.mode, plan.extra) == ("heuristic", "online", {"strategy": "nearest"})
    assert plan.unfilled_qty.tolist() == [1]
    assert plan.cost == cost.evaluate(p, plan.allocations).cost


def test_the_baselines_are_keyed_by_their_contract_names() -> None:
    assert set(BASELINES) == {"priority", "nearest", "fewest-splits"}
