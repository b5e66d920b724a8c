"""The wave engine's two inputs for re-optimising open orders: closed windows by the thousand
(a promise bans some nodes for some orders) and unit prices [sku, node] (look-ahead).

The references are naive: a loop over every window, and an enumeration of every feasible plan
priced by `cost.evaluate` plus the prices of its units."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.sourcing import cost
from oms.sourcing.contract import Allocations, Problem
from oms.sourcing.wave import solve_wave
from oms.sourcing.wave_side import LineWindows
from tests.unit.test_wave import EPS, all_feasible_plans, check_plan, tiny


def naive_open_pairs(w: LineWindows, pair_line: np.ndarray, pair_node: np.ndarray) -> np.ndarray:
    ok = np.ones(len(pair_line), dtype=np.bool_)
    for node, lo, hi in zip(w.closed_node, w.closed_lo, w.closed_hi, strict=True):
        ok &= ~((pair_node == node) & (pair_line >= lo) & (pair_line < hi))
    return ok


@settings(max_examples=200)
@given(st.integers(0, 2**32 - 1), st.integers(0, 60))
def test_open_pairs_agrees_with_a_loop_over_every_window(seed: int, n_windows: int) -> None:
    rng = np.random.default_rng(seed)
    lo = rng.integers(0, 40, n_windows)
    w = LineWindows.closing(rng.integers(0, 4, n_windows), lo, lo + rng.integers(0, 15, n_windows))
    pair_line = rng.integers(0, 50, 300)
    pair_node = rng.integers(0, 5, 300)
    got = w.open_pairs(pair_line, pair_node)
    assert np.array_equal(got, naive_open_pairs(w, pair_line, pair_node))


def banned_per_order(p: Problem, seed: int) -> tuple[LineWindows, np.ndarray]:
    """Random (order, node) bans as windows over each order's lines, and the same as a mask."""
    rng = np.random.default_rng(seed)
    ban = rng.random((len(p.orders), len(p.nodes))) < 0.3
    o, n = np.nonzero(ban)
    o = o.astype(np.int64)
    starts = p.orders.line_start
    return LineWindows.closing(n.astype(np.int64), starts[o], starts[o + 1]), ban


@settings(max_examples=60)
@given(tiny(), st.integers(0, 2**32 - 1))
def test_with_orders_banned_from_nodes_the_plan_is_the_best_plan_that_keeps_the_bans(
    p: Problem, seed: int
) -> None:
    windows, ban = banned_per_order(p, seed)
    plans = [
        c for c, a in all_feasible_plans(p) if not ban[a.order, a.node].any()
    ]  # the empty plan keeps every ban: never empty
    plan = solve_wave(p, time_limit=10, windows=windows)
    check_plan(p, plan)
    alloc = plan.allocations
    assert not ban[alloc.order, alloc.node].any()
    assert plan.cost.total == pytest.approx(min(plans), abs=EPS)


@settings(max_examples=60)
@given(tiny(), st.integers(0, 2**32 - 1))
def test_with_unit_prices_the_plan_minimises_cost_plus_prices_and_reports_the_contract_cost(
    p: Problem, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    prices = rng.exponential(3.0, p.stock.shape) * (rng.random(p.stock.shape) < 0.6)

    def priced(a: Allocations) -> float:
        extra = float(prices[p.orders.line_sku[a.line], a.node] @ a.qty)
        return cost.evaluate(p, a).cost.total + extra

    best = min(priced(a) for _, a in all_feasible_plans(p))
    plan = solve_wave(p, time_limit=10, unit_price=prices)
    assert cost.violations(p, plan.allocations) == []
    assert plan.cost == cost.evaluate(p, plan.allocations).cost  # the contract's, no prices
    assert plan.extra["priced"] is True
    assert plan.extra["objective"] == pytest.approx(priced(plan.allocations), abs=EPS)
    assert plan.extra["objective"] == pytest.approx(best, abs=EPS)
    assert plan.lower_bound is not None and plan.lower_bound <= best + EPS
    assert plan.status == "optimal"


def test_without_prices_the_plan_carries_no_priced_fields() -> None:
    from tests.problems import random_problem

    plan = solve_wave(random_problem(3), time_limit=2)
    assert "priced" not in plan.extra and "objective" not in plan.extra
