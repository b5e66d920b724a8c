"""Opportunity prices in the one-order sourcer: zeros change nothing, prices steer the choice,
every cost reported stays the contract's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.domain.errors import ValidationError
from oms.sourcing.contract import Allocations, parse_problem
from oms.sourcing.cost import evaluate, violations
from oms.sourcing.online import NetworkArrays, OnlineSourcer, source_stream
from tests.problems import random_problem


def _sourcer(problem):
    return OnlineSourcer(NetworkArrays.from_nodes(problem.nodes), problem.settings)


def _order_args(problem, order):
    o = problem.orders
    lines = o.lines_of(order)
    args = (
        problem.stock,
        problem.nodes.capacity,
        o.line_sku[lines.start : lines.stop],
        o.line_qty[lines.start : lines.stop],
        o.dest_lat[order],
        o.dest_lon[order],
    )
    kwargs = {
        "pickup_node": int(o.pickup_node[order]) if o.is_pickup[order] else -1,
        "max_shipments": None if o.max_shipments[order] > 10**9 else int(o.max_shipments[order]),
    }
    return args, kwargs


def _stream(problem, unit_price):
    return source_stream(
        NetworkArrays.from_nodes(problem.nodes),
        problem.settings,
        problem.orders,
        np.ascontiguousarray(problem.stock.copy()),
        problem.nodes.capacity.copy(),
        unit_price=unit_price,
    )


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_zero_prices_give_bit_for_bit_the_plans_and_costs_of_no_prices(seed):
    problem = random_problem(seed, n_nodes=8, n_orders=5, max_lines=4)
    sourcer, zeros = _sourcer(problem), np.zeros(problem.stock.shape)
    for order in range(len(problem.orders)):
        args, kwargs = _order_args(problem, order)
        plain, priced = (sourcer.source_order(*args, **kwargs, unit_price=p) for p in (None, zeros))
        for field in ("line", "node", "qty", "unfilled"):
            assert getattr(plain, field).tolist() == getattr(priced, field).tolist()
        assert plain.cost == priced.cost
        promise = [sourcer.source_promise(*args, 2, unit_price=p) for p in (None, zeros)]
        assert promise[0] == promise[1]
    (alloc_none, cost_none), (alloc_zero, cost_zero) = (_stream(problem, p) for p in (None, zeros))
    for field in ("order", "line", "node", "qty"):
        assert getattr(alloc_none, field).tolist() == getattr(alloc_zero, field).tolist()
    assert cost_none.tolist() == cost_zero.tolist()


def _alloc(problem, order, decision):
    start = problem.orders.line_start[order]
    return Allocations.from_rows(
        [
            (order, int(start + ln), int(n), int(q))
            for ln, n, q in zip(decision.line, decision.node, decision.qty, strict=True)
        ]
    )


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_with_prices_every_cost_reported_is_the_contract_cost_of_the_plan(seed):
    problem = random_problem(seed, n_nodes=6, n_orders=3, max_lines=3)
    prices = np.random.default_rng(seed).uniform(0.0, 3.0, problem.stock.shape)
    sourcer = _sourcer(problem)
    for order in range(len(problem.orders)):
        args, kwargs = _order_args(problem, order)
        decision = sourcer.source_order(*args, **kwargs, unit_price=prices)
        alloc = _alloc(problem, order, decision)
        assert violations(problem, alloc) == []
        others = int(problem.orders.line_qty.sum() - decision.qty.sum() - decision.unfilled.sum())
        contract = evaluate(problem, alloc).cost.total - problem.settings.unfilled_penalty * others
        assert decision.cost == pytest.approx(contract, abs=1e-9)
    alloc, costs = _stream(problem, prices)
    assert violations(problem, alloc) == []
    assert float(costs.sum()) == pytest.approx(evaluate(problem, alloc).cost.total, abs=1e-9)


def _two_node_problem():
    node = {
        "kind": "warehouse",
        "lon": 2.35,
        "can_ship": True,
        "can_pickup": False,
        "capacity_units": None,
        "handling_cost": 0.3,
        "shipment_cost": 4.5,
        "cost_per_km": 0.006,
    }
    return parse_problem(
        {
            "version": 1,
            "settings": {"split_penalty": 1.5, "unfilled_penalty": 100.0, "allow_transfers": True},
            "nodes": [{**node, "id": "NEAR", "lat": 48.9}, {**node, "id": "FAR", "lat": 45.8}],
            "inventory": [{"node": n, "sku": "X", "qty": 1} for n in ("NEAR", "FAR")],
            "orders": [
                {
                    "id": "O1",
                    "lat": 48.85,
                    "lon": 2.35,
                    "delivery": "ship",
                    "pickup_node": None,
                    "max_shipments": None,
                    "lines": [{"id": "L1", "sku": "X", "qty": 1}],
                }
            ],
        }
    )


def test_a_price_on_the_near_unit_sends_the_order_to_the_far_node_at_its_true_cost():
    problem = _two_node_problem()
    sourcer = _sourcer(problem)
    args, kwargs = _order_args(problem, 0)
    near = sourcer.source_order(*args, **kwargs)
    assert near.node.tolist() == [0]
    prices = np.array([[30.0, 0.0]])  # the near unit is worth more to a later order
    steered = sourcer.source_order(*args, **kwargs, unit_price=prices)
    assert steered.node.tolist() == [1]
    far_cost = evaluate(problem, _alloc(problem, 0, steered)).cost.total
    assert steered.cost == pytest.approx(far_cost) and steered.cost < 30.0
    assert steered.cost > near.cost
    too_dear = sourcer.source_order(*args, **kwargs, unit_price=np.array([[200.0, 200.0]]))
    assert too_dear.qty.tolist() == [] and too_dear.cost == pytest.approx(100.0)


def test_prices_of_the_wrong_shape_are_refused_and_a_unit_without_a_finite_price_is_not_taken():
    problem = _two_node_problem()
    sourcer = _sourcer(problem)
    args, kwargs = _order_args(problem, 0)
    with pytest.raises(ValidationError, match="unit_price"):
        sourcer.source_order(*args, **kwargs, unit_price=np.zeros((1, 3)))
    for price in (np.nan, np.inf):
        decision = sourcer.source_order(*args, **kwargs, unit_price=np.array([[price, 0.0]]))
        assert decision.node.tolist() == [1]
