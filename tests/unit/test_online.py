"""The one-order sourcer: exact against brute force, online semantics, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oms.domain.errors import ValidationError
from oms.sourcing import kernels
from oms.sourcing.contract import Allocations, parse_problem
from oms.sourcing.cost import evaluate, violations
from oms.sourcing.online import NetworkArrays, OnlineSourcer, source_online
from tests.problems import random_problem
from tests.reference_sourcing import brute_force_order, order_cost


def _sourcer(problem):
    return OnlineSourcer(NetworkArrays.from_nodes(problem.nodes), problem.settings)


def _decide(problem, order=0):
    o = problem.orders
    lines = o.lines_of(order)
    return _sourcer(problem).source_order(
        problem.stock,
        problem.nodes.capacity,
        o.line_sku[lines.start : lines.stop],
        o.line_qty[lines.start : lines.stop],
        o.dest_lat[order],
        o.dest_lon[order],
        pickup_node=int(o.pickup_node[order]) if o.is_pickup[order] else -1,
        max_shipments=None if o.max_shipments[order] > 10**9 else int(o.max_shipments[order]),
    )


def _alloc(problem, order, decision):
    start = problem.orders.line_start[order]
    return Allocations.from_rows(
        [
            (order, int(start + ln), int(n), int(q))
            for ln, n, q in zip(decision.line, decision.node, decision.qty, strict=True)
        ]
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_one_order_sourcer_equals_the_exhaustive_optimum(seed, n_nodes):
    problem = random_problem(seed, n_nodes=n_nodes, n_orders=1, max_qty=2, max_lines=3)
    decision = _decide(problem)
    alloc = _alloc(problem, 0, decision)
    assert violations(problem, alloc) == []
    best_cost, _ = brute_force_order(problem, 0)
    assert evaluate(problem, alloc).cost.total == pytest.approx(decision.cost, abs=1e-9)
    assert decision.cost == pytest.approx(best_cost, abs=1e-7)


def _problem(nodes, inventory, orders, **settings):
    base = {"split_penalty": 1.5, "unfilled_penalty": 100.0, "allow_transfers": True}
    base.update(settings)
    return parse_problem(
        {"version": 1, "settings": base, "nodes": nodes, "inventory": inventory, "orders": orders}
    )


def _node(nid, lat, lon, **kw):
    node = {
        "id": nid,
        "kind": "warehouse",
        "lat": lat,
        "lon": lon,
        "can_ship": True,
        "can_pickup": False,
        "capacity_units": None,
        "handling_cost": 0.3,
        "shipment_cost": 4.5,
        "cost_per_km": 0.006,
    }
    node.update(kw)
    return node


def _order(oid, lines, lat=48.85, lon=2.35, **kw):
    order = {
        "id": oid,
        "lat": lat,
        "lon": lon,
        "delivery": "ship",
        "pickup_node": None,
        "max_shipments": None,
        "lines": [{"id": f"{oid}-{j}", "sku": s, "qty": q} for j, (s, q) in enumerate(lines)],
    }
    order.update(kw)
    return order


PARIS, LYON, LILLE = (48.86, 2.35), (45.76, 4.84), (50.63, 3.06)


def test_one_node_holding_everything_beats_a_split_between_nearer_nodes():
    problem = _problem(
        [_node("NEAR-A", *PARIS), _node("NEAR-B", *PARIS), _node("FAR", *LYON)],
        [
            {"node": "NEAR-A", "sku": "A", "qty": 1},
            {"node": "NEAR-B", "sku": "B", "qty": 1},
            {"node": "FAR", "sku": "A", "qty": 1},
            {"node": "FAR", "sku": "B", "qty": 1},
        ],
        [_order("O1", [("A", 1), ("B", 1)])],
        split_penalty=10.0,
    )
    decision = _decide(problem)
    assert set(decision.node.tolist()) == {2}


def test_a_split_wins_when_no_single_node_covers_the_order():
    problem = _problem(
        [_node("A", *PARIS), _node("B", *LILLE), _node("C", *LYON)],
        [
            {"node": "A", "sku": "X", "qty": 1},
            {"node": "B", "sku": "Y", "qty": 1},
            {"node": "C", "sku": "Y", "qty": 1},
        ],
        [_order("O1", [("X", 1), ("Y", 1)])],
    )
    decision = _decide(problem)
    assert sorted(decision.node.tolist()) == [0, 1]
    assert decision.unfilled.tolist() == [0, 0]


def test_units_stay_unfilled_when_the_penalty_is_cheaper_than_shipping():
    problem = _problem(
        [_node("FAR", *LYON)],
        [{"node": "FAR", "sku": "X", "qty": 5}],
        [_order("O1", [("X", 1)])],
        unfilled_penalty=1.0,
    )
    decision = _decide(problem)
    assert len(decision.qty) == 0
    assert decision.cost == pytest.approx(1.0)


def test_two_lines_of_one_sku_share_the_node_stock():
    problem = _problem(
        [_node("A", *PARIS), _node("B", *LYON)],
        [{"node": "A", "sku": "X", "qty": 2}, {"node": "B", "sku": "X", "qty": 5}],
        [_order("O1", [("X", 2), ("X", 1)], max_shipments=1)],
    )
    decision = _decide(problem)
    assert set(decision.node.tolist()) == {1}
    assert decision.qty.sum() == 3


def test_a_pickup_order_is_served_free_from_its_own_store():
    store = _node("STORE", *LILLE, kind="store", can_pickup=True, can_ship=False, handling_cost=0.9)
    problem = _problem(
        [_node("DC", *PARIS), store],
        [{"node": "DC", "sku": "X", "qty": 3}, {"node": "STORE", "sku": "X", "qty": 1}],
        [_order("O1", [("X", 1)], delivery="pickup", pickup_node="STORE")],
    )
    decision = _decide(problem)
    assert decision.node.tolist() == [1]
    assert decision.cost == pytest.approx(0.9)


def test_online_semantics_stock_taken_by_the_first_order_is_not_available_to_the_second():
    problem = _problem(
        [_node("NEAR", *PARIS), _node("FAR", *LYON)],
        [{"node": "NEAR", "sku": "X", "qty": 1}, {"node": "FAR", "sku": "X", "qty": 1}],
        [_order("O1", [("X", 1)]), _order("O2", [("X", 1)])],
    )
    plan = source_online(problem)
    rows = sorted(zip(plan.allocations.order.tolist(), plan.allocations.node.tolist(), strict=True))
    assert rows == [(0, 0), (1, 1)]
    assert violations(problem, plan.allocations) == []


def test_online_semantics_capacity_used_by_one_order_is_gone_for_the_next():
    problem = _problem(
        [_node("NEAR", *PARIS, capacity_units=1), _node("FAR", *LYON)],
        [{"node": "NEAR", "sku": "X", "qty": 9}, {"node": "FAR", "sku": "X", "qty": 9}],
        [_order("O1", [("X", 1)]), _order("O2", [("X", 1)])],
    )
    plan = source_online(problem)
    assert plan.allocations.node.tolist() == [0, 1]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_online_plans_are_feasible_and_priced_by_the_cost_function(seed):
    problem = random_problem(seed, n_nodes=5, n_orders=6)
    plan = source_online(problem)
    assert violations(problem, plan.allocations) == []
    assert plan.cost == evaluate(problem, plan.allocations).cost


@settings(max_examples=30)
@given(st.integers(0, 2**32 - 1))
def test_each_online_order_is_the_one_order_optimum_against_what_earlier_orders_left(seed):
    problem = random_problem(seed, n_nodes=3, n_orders=4, max_qty=2)
    plan = source_online(problem)
    a = plan.allocations
    stock, capacity = problem.stock.copy(), problem.nodes.capacity.copy()
    for order in range(len(problem.orders)):
        mine = a.order == order
        sub = Allocations(a.order[mine], a.line[mine], a.node[mine], a.qty[mine])
        best, _ = brute_force_order(problem, order, stock, capacity)
        assert order_cost(problem, order, sub) == pytest.approx(best, abs=1e-7)
        np.subtract.at(stock, (problem.orders.line_sku[sub.line], sub.node), sub.qty)
        np.subtract.at(capacity, sub.node, sub.qty)


def test_bad_one_order_input_is_refused_with_every_fault_named():
    problem = random_problem(1, n_nodes=3, n_orders=1)
    sourcer = _sourcer(problem)
    with pytest.raises(ValidationError) as err:
        sourcer.source_order(
            problem.stock,
            problem.nodes.capacity,
            np.array([0, 99]),
            np.array([1, 0]),
            45.0,
            4.0,
            max_shipments=0,
        )
    assert "max_shipments" in err.value.detail
    with pytest.raises(ValidationError, match="qty must be >= 1"):
        sourcer.source_order(
            problem.stock, problem.nodes.capacity, np.array([0]), np.array([0]), 45.0, 4.0
        )
    with pytest.raises(ValidationError, match="SKU outside"):
        sourcer.source_order(
            problem.stock, problem.nodes.capacity, np.array([99]), np.array([1]), 45.0, 4.0
        )


def _search_without_pruning(problem, order):
    """The exact search on every candidate, no chord-bound pruning: the pruned path must match."""
    o, n = problem.orders, problem.nodes
    lines = o.lines_of(order)
    sku, qty = o.line_sku[lines.start : lines.stop], o.line_qty[lines.start : lines.stop]
    u_sku, u_dem, line_u = (np.empty(len(sku), dtype=np.int64) for _ in range(3))
    n_u = kernels.merge_lines_kernel(sku, qty, u_sku, u_dem, line_u)
    eligible = np.empty(len(n), dtype=np.bool_)
    pickup = int(o.pickup_node[order]) if o.is_pickup[order] else -1
    kernels.eligibility_kernel(
        n.can_ship,
        np.ones(len(n), dtype=np.bool_),
        bool(o.is_pickup[order]),
        pickup,
        problem.settings.allow_transfers,
        eligible,
    )
    cand, capc = np.empty(len(n), dtype=np.int64), np.empty(len(n), dtype=np.int64)
    cov = np.empty((len(n), n_u), dtype=np.int64)
    hu = np.empty((len(n), n_u))
    s = problem.settings
    m = kernels.coverage_kernel(
        problem.stock,
        np.zeros(problem.stock.shape),
        u_sku,
        u_dem,
        n_u,
        eligible,
        n.capacity,
        n.handling_cost,
        s.unfilled_penalty,
        cand,
        cov,
        capc,
        hu,
    )
    f, h = np.empty(len(n)), np.empty(len(n))
    kernels.candidate_cost_kernel(
        n.lat,
        n.lon,
        n.shipment_cost,
        n.cost_per_km,
        n.handling_cost,
        cand,
        m,
        o.dest_lat[order],
        o.dest_lon[order],
        pickup,
        f,
        h,
    )
    sel, alloc = np.empty(m + 1, dtype=np.int64), np.empty((n_u, m + 1), dtype=np.int64)
    _, cost = kernels.search_kernel(
        f,
        h,
        hu,
        cov,
        capc,
        u_dem,
        m,
        n_u,
        o.max_shipments[order],
        s.split_penalty,
        s.unfilled_penalty,
        sel,
        alloc,
    )
    return cost


@settings(max_examples=60)
@given(st.integers(0, 2**32 - 1))
def test_pruning_far_nodes_by_the_chord_bound_never_changes_the_optimum(seed):
    problem = random_problem(seed, n_nodes=40, n_orders=3, n_skus=4, max_lines=4, max_stock=2)
    for order in range(len(problem.orders)):
        assert _decide(problem, order).cost == pytest.approx(
            _search_without_pruning(problem, order), abs=1e-9
        )
