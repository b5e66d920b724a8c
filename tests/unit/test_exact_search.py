"""The exact search against exhaustive enumeration, for orders whose optimum uses any number of
nodes (4-6 included), with and without prices in the unit costs.

The reference prices every subset of candidates (up to max_shipments) with OR-Tools' min-cost
flow, written from the problem's words: shipment cost per node used, split penalty per node beyond
the first, unit cost per unit taken, unfilled penalty per unit left. Costs are multiples of 1/4
so that the flow's integer costs are exact."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from oms.sourcing import kernels
from oms.sourcing.contract import NO_LIMIT

SCALE = 4  # every cost is a multiple of 1/SCALE


def _allocation_cost(nodes, hu, cov, cap, dem, unfilled_p):
    """Least unit + unfilled cost of the order over `nodes`, by min-cost flow (scaled costs)."""
    n_u = len(dem)
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1 + n_u + len(nodes)
    for u in range(n_u):
        flow.add_arc_with_capacity_and_unit_cost(source, 1 + u, int(dem[u]), 0)
        flow.add_arc_with_capacity_and_unit_cost(
            1 + u, sink, int(dem[u]), round(unfilled_p * SCALE)
        )
        for a, s in enumerate(nodes):
            if cov[s, u] > 0:
                cost = round(hu[s, u] * SCALE)
                flow.add_arc_with_capacity_and_unit_cost(1 + u, 1 + n_u + a, int(cov[s, u]), cost)
    for a, s in enumerate(nodes):
        flow.add_arc_with_capacity_and_unit_cost(1 + n_u + a, sink, int(cap[s]), 0)
    flow.set_node_supply(source, int(dem.sum()))
    flow.set_node_supply(sink, -int(dem.sum()))
    assert flow.solve() == flow.OPTIMAL
    return flow.optimal_cost() / SCALE


def exhaustive_optimum(f, hu, cov, cap, dem, max_ship, split_p, unfilled_p):
    """(least cost, nodes of a least-cost set) over every subset of at most max_ship candidates."""
    best = (float(dem.sum()) * unfilled_p, ())
    for size in range(1, min(max_ship, len(f)) + 1):
        for nodes in itertools.combinations(range(len(f)), size):
            ship = sum(f[s] for s in nodes) + split_p * (size - 1)
            cost = ship + _allocation_cost(nodes, hu, cov, cap, dem, unfilled_p)
            if cost < best[0] - 1e-9:
                best = (cost, nodes)
    return best


def _quarters(rng, low, high, size):
    return rng.integers(low * SCALE, high * SCALE + 1, size) / SCALE


def random_order(seed, *, wide):
    """Candidates as the sourcer hands them to the search: each covers some units, capacity in
    1..units covered, unit costs below the unfilled penalty. `wide` orders have 4-6 SKUs each
    stocked at a few single-SKU nodes, and a high unfilled penalty: their optimum uses 4+ nodes."""
    rng = np.random.default_rng(seed)
    n_u = int(rng.integers(4, 7)) if wide else int(rng.integers(1, 4))
    m = int(rng.integers(n_u + 1, 9)) if wide else int(rng.integers(1, 8))
    dem = rng.integers(1, 3, n_u).astype(np.int64)
    if wide:
        cov = np.zeros((m, n_u), dtype=np.int64)
        for s in range(m):
            u = s if s < n_u else int(rng.integers(0, n_u))
            cov[s, u] = rng.integers(1, dem[u] + 1)
    else:
        cov = np.minimum(rng.integers(0, 3, (m, n_u)), dem).astype(np.int64)
        cov[np.arange(m), rng.integers(0, n_u, m)] = 1  # every candidate covers something
    cap = np.array([rng.integers(1, c + 1) for c in cov.sum(axis=1)], dtype=np.int64)
    f = _quarters(rng, 0, 8, m)
    h = _quarters(rng, 0, 2, m)
    split_p = float(rng.choice([0.0, 0.5, 1.5]))
    unfilled_p = 100.0 if wide else float(rng.choice([3.0, 100.0]))
    return f, h, cov, cap, dem, split_p, unfilled_p


def search(f, h, hu, cov, cap, dem, max_ship, split_p, unfilled_p):
    m, n_u = cov.shape
    sel, alloc = np.empty(m + 1, dtype=np.int64), np.empty((n_u, m + 1), dtype=np.int64)
    n_sel, cost = kernels.search_kernel(
        f, h, hu, cov, cap, dem, m, n_u, max_ship, split_p, unfilled_p, sel, alloc
    )
    return sel[:n_sel].copy(), alloc[:, :n_sel].copy(), cost


def check_plan(nodes, alloc, f, h, cov, cap, dem, max_ship, split_p, unfilled_p):
    """The plan is feasible; returns its contract cost (handling h, no price), recomputed."""
    assert len(set(nodes.tolist())) == len(nodes) <= max_ship
    assert np.all(alloc >= 0) and np.all(alloc <= cov[nodes].T)
    assert np.all(alloc.sum(axis=1) <= dem) and np.all(alloc.sum(axis=0) <= cap[nodes])
    load = alloc.sum(axis=0)
    used = load > 0
    return (
        float(f[nodes][used].sum())
        + split_p * max(int(used.sum()) - 1, 0)
        + float(load @ h[nodes])
        + unfilled_p * float(dem.sum() - load.sum())
    )


MAX_SHIPMENTS = [1, 2, 3, 4, 5, 6, NO_LIMIT]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.sampled_from(MAX_SHIPMENTS))
def test_the_search_finds_the_exhaustive_optimum_for_any_number_of_nodes(seed, wide, max_ship):
    f, h, cov, cap, dem, split_p, unfilled_p = random_order(seed, wide=wide)
    hu = np.repeat(h[:, None], len(dem), axis=1)
    nodes, alloc, cost = search(f, h, hu, cov, cap, dem, max_ship, split_p, unfilled_p)
    best, _ = exhaustive_optimum(f, hu, cov, cap, dem, max_ship, split_p, unfilled_p)
    assert cost == pytest.approx(best, abs=1e-9)
    assert check_plan(nodes, alloc, f, h, cov, cap, dem, max_ship, split_p, unfilled_p) == (
        pytest.approx(cost, abs=1e-9)
    )


@pytest.mark.parametrize("seed", range(40))
def test_orders_whose_optimum_needs_four_nodes_or_more_get_that_optimum(seed):
    f, h, cov, cap, dem, split_p, unfilled_p = random_order(seed, wide=True)
    hu = np.repeat(h[:, None], len(dem), axis=1)
    best, best_nodes = exhaustive_optimum(f, hu, cov, cap, dem, NO_LIMIT, split_p, unfilled_p)
    assert len(best_nodes) >= 4  # the construction does what it says
    nodes, alloc, cost = search(f, h, hu, cov, cap, dem, NO_LIMIT, split_p, unfilled_p)
    assert cost == pytest.approx(best, abs=1e-9)
    assert check_plan(nodes, alloc, f, h, cov, cap, dem, NO_LIMIT, split_p, unfilled_p) == (
        pytest.approx(cost, abs=1e-9)
    )


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans(), st.sampled_from(MAX_SHIPMENTS))
def test_with_prices_the_plan_minimises_contract_cost_plus_prices_and_reports_the_contract_cost(
    seed, wide, max_ship
):
    f, h, cov, cap, dem, split_p, unfilled_p = random_order(seed, wide=wide)
    price = _quarters(np.random.default_rng(seed + 1), 0, 3, cov.shape).reshape(cov.shape)
    hu = h[:, None] + price
    cov = np.where(hu < unfilled_p, cov, 0)  # the sourcer's rule: a unit there never helps
    keep = cov.sum(axis=1) > 0
    f, h, hu, cov = f[keep], h[keep], hu[keep], cov[keep]
    cap, price = np.minimum(cap[keep], cov.sum(axis=1)), price[keep]
    nodes, alloc, cost = search(f, h, hu, cov, cap, dem, max_ship, split_p, unfilled_p)
    contract = check_plan(nodes, alloc, f, h, cov, cap, dem, max_ship, split_p, unfilled_p)
    assert cost == pytest.approx(contract, abs=1e-9)
    priced = contract + float((alloc * price[nodes].T).sum())
    best, _ = exhaustive_optimum(f, hu, cov, cap, dem, max_ship, split_p, unfilled_p)
    assert priced == pytest.approx(best, abs=1e-9)


def adversarial_order(seed):
    """200 candidates, each with 2 units of capacity left and stock of all 10 SKUs, near-equal
    costs: sets of 10 nodes among 200 (the search ran for seconds to minutes before its budget)."""
    rng = np.random.default_rng(seed)
    m, n_u = 200, 10
    f = 4.0 + rng.random(m) / 10
    h = 0.3 + rng.random(m) / 10
    cov = np.full((m, n_u), 5, dtype=np.int64)
    cap = np.full(m, 2, dtype=np.int64)
    dem = np.full(n_u, 2, dtype=np.int64)
    return f, h, cov, cap, dem


@pytest.mark.parametrize("seed", range(3))
def test_an_adversarial_order_ends_within_the_search_budget_with_a_feasible_plan(seed):
    """The budget (step 5 of the search's docstring) returns the incumbent: a real plan that
    fills the order, no worse than taking it from the cheapest nodes one shipment at a time."""
    f, h, cov, cap, dem = adversarial_order(seed)
    hu = np.repeat(h[:, None], len(dem), axis=1)
    nodes, alloc, cost = search(f, h, hu, cov, cap, dem, NO_LIMIT, 1.5, 100.0)
    assert check_plan(nodes, alloc, f, h, cov, cap, dem, NO_LIMIT, 1.5, 100.0) == pytest.approx(
        cost, abs=1e-9
    )
    assert alloc.sum() == dem.sum()  # every unit filled
    # 10 nodes at least (2 units each); the cheapest 10 by f + 2 h bound any plan from below
    cheapest = np.sort(f + 2 * h)[:10].sum() + 1.5 * 9
    assert cheapest - 1e-9 <= cost <= cheapest + 10 * 0.2  # within the costs' spread of it
