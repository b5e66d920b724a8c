"""Every kernel against a naive pure-Python reference on generated arrays."""

from __future__ import annotations

import inspect
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.sourcing import kernels, promise_kernels
from oms.sourcing.contract import NO_LIMIT
from oms.sourcing.cost import shipment_cost
from oms.sourcing.online import KernelNetwork
from tests.reference_sourcing import ref_eligible, ref_haversine, ref_merge_lines

lats = st.floats(-89.0, 89.0)
lons = st.floats(-179.0, 179.0)


@given(st.lists(st.tuples(lats, lons), min_size=1, max_size=30), lats, lons)
def test_distance_kernel_matches_the_plain_haversine(points, dlat, dlon):
    lat = np.array([p[0] for p in points])
    lon = np.array([p[1] for p in points])
    out = np.empty(len(points))
    kernels.distance_kernel(lat, lon, dlat, dlon, out)
    expected = [ref_haversine(a, b, dlat, dlon) for a, b in points]
    assert out == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(
    st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=12),
    st.booleans(),
    st.integers(-1, 11),
    st.booleans(),
)
def test_eligibility_kernel_matches_the_contract_rule(flags, is_pickup, pickup_node, transfers):
    can_ship = np.array([f[0] for f in flags])
    enabled = np.array([f[1] for f in flags])
    out = np.empty(len(flags), dtype=np.bool_)
    count = kernels.eligibility_kernel(can_ship, enabled, is_pickup, pickup_node, transfers, out)
    expected = [
        ref_eligible(bool(c), bool(e), is_pickup, i, pickup_node, transfers)
        for i, (c, e) in enumerate(flags)
    ]
    assert out.tolist() == expected
    assert count == sum(expected)


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5)), min_size=1, max_size=8))
def test_merge_lines_kernel_sums_quantities_per_sku(lines):
    skus = np.array([s for s, _ in lines], dtype=np.int64)
    qtys = np.array([q for _, q in lines], dtype=np.int64)
    u_sku, u_dem, line_u = (np.empty(len(lines), dtype=np.int64) for _ in range(3))
    n_u = kernels.merge_lines_kernel(skus, qtys, u_sku, u_dem, line_u)
    merged = dict(zip(u_sku[:n_u].tolist(), u_dem[:n_u].tolist(), strict=True))
    assert merged == ref_merge_lines(skus.tolist(), qtys.tolist())
    assert all(u_sku[line_u[j]] == skus[j] for j in range(len(lines)))


@settings(max_examples=60)
@given(st.integers(0, 2**31), st.integers(1, 12), st.integers(1, 4))
def test_coverage_kernel_lists_useful_nodes_with_capped_coverage_and_priced_unit_costs(
    seed, n_nodes, n_u
):
    rng = np.random.default_rng(seed)
    stock = rng.integers(-1, 4, size=(6, n_nodes)).astype(np.int64)
    u_sku = rng.choice(6, size=n_u, replace=False).astype(np.int64)
    u_dem = rng.integers(1, 4, size=n_u).astype(np.int64)
    eligible = rng.random(n_nodes) < 0.7
    cap = rng.choice([0, 1, 2, NO_LIMIT], size=n_nodes).astype(np.int64)
    handling = rng.choice([0.5, 150.0], size=n_nodes, p=[0.9, 0.1])
    cand, capc = np.empty(n_nodes, dtype=np.int64), np.empty(n_nodes, dtype=np.int64)
    cov = np.empty((n_nodes, n_u), dtype=np.int64)
    price = rng.choice([0.0, 0.0, 0.3, 120.0], size=(6, n_nodes))
    hu = np.empty((n_nodes, n_u))
    m = kernels.coverage_kernel(
        stock, price, u_sku, u_dem, n_u, eligible, cap, handling, 100.0, cand, cov, capc, hu
    )
    expected = []
    for i in range(n_nodes):
        unit = [min(handling[i] + price[u_sku[u], i], 100.0) for u in range(n_u)]
        c = [
            min(max(int(stock[u_sku[u], i]), 0), int(u_dem[u])) if unit[u] < 100.0 else 0
            for u in range(n_u)
        ]
        if eligible[i] and cap[i] > 0 and sum(c) > 0:
            expected.append((i, c, min(int(cap[i]), sum(c)), unit))
    got = [
        (int(cand[k]), cov[k, :n_u].tolist(), int(capc[k]), hu[k, :n_u].tolist()) for k in range(m)
    ]
    assert got == expected


@given(
    st.lists(st.tuples(lats, lons, st.floats(0, 10), st.floats(0, 0.05)), min_size=1, max_size=10),
    lats,
    lons,
    st.integers(-1, 9),
)
def test_candidate_cost_kernel_prices_shipments_by_the_cost_rule(rows, dlat, dlon, free_node):
    lat, lon, base, per_km = (np.array([r[k] for r in rows]) for k in range(4))
    handling = np.full(len(rows), 0.4)
    cand = np.arange(len(rows), dtype=np.int64)
    f, h = np.empty(len(rows)), np.empty(len(rows))
    kernels.candidate_cost_kernel(
        lat, lon, base, per_km, handling, cand, len(rows), dlat, dlon, free_node, f, h
    )
    for i, (a, b, c, d) in enumerate(rows):
        expected = 0.0 if i == free_node else c + d * ref_haversine(a, b, dlat, dlon)
        assert f[i] == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert expected == pytest.approx(
            shipment_cost(c, d, ref_haversine(a, b, dlat, dlon), float(i == free_node))
        )
    assert h.tolist() == handling.tolist()


def _naive_min_unit_cost(sel, h, cov, cap, dem, unfilled_p):
    """Least handling + unfilled cost of the SKUs over the node set, trying every split."""
    n_u, k = len(dem), len(sel)
    best = float("inf")
    per_sku = [
        [c for c in itertools.product(*(range(cov[s, u] + 1) for s in sel)) if sum(c) <= dem[u]]
        for u in range(n_u)
    ]
    for choice in itertools.product(*per_sku):
        load = [sum(choice[u][a] for u in range(n_u)) for a in range(k)]
        if any(load[a] > cap[sel[a]] for a in range(k)):
            continue
        unfilled = sum(dem) - sum(load)
        best = min(best, sum(load[a] * h[sel[a]] for a in range(k)) + unfilled_p * unfilled)
    return best


@settings(max_examples=80)
@given(st.integers(0, 2**31), st.integers(1, 3), st.integers(1, 3))
def test_set_evaluation_finds_the_cheapest_allocation_even_when_capacity_binds(seed, k, n_u):
    # The set's cost is the true cost of an allocation with the least handling + unfilled cost;
    # nodes it leaves unused cost nothing (subsets are evaluated on their own by the search).
    rng = np.random.default_rng(seed)
    m = 4
    f = rng.uniform(0, 8, m)
    h = rng.uniform(0, 2, m)
    dem = rng.integers(1, 4, n_u).astype(np.int64)
    cov = np.minimum(rng.integers(0, 4, (m, n_u)), dem).astype(np.int64)
    cap = np.minimum(rng.integers(1, 5, m), cov.sum(axis=1)).astype(np.int64)
    sel = rng.choice(m, size=k, replace=False).astype(np.int64)
    alloc = np.empty((n_u, k), dtype=np.int64)
    load, by_h = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
    hu = np.repeat(h[:, None], n_u, axis=1)
    got = kernels.eval_set_kernel(sel, k, f, hu, cov, cap, dem, n_u, 1.5, 10.0, alloc, load, by_h)
    assert np.all(alloc <= cov[sel].T) and np.all(alloc.sum(axis=1) <= dem)
    assert np.all(alloc.sum(axis=0) <= cap[sel])
    node_load = alloc.sum(axis=0)
    unit_cost = float(node_load @ h[sel]) + 10.0 * float(dem.sum() - node_load.sum())
    assert unit_cost == pytest.approx(
        _naive_min_unit_cost(sel.tolist(), h, cov, cap, dem.tolist(), 10.0)
    )
    used = node_load > 0
    assert got == pytest.approx(
        unit_cost + float(f[sel][used].sum()) + 1.5 * max(int(used.sum()) - 1, 0)
    )


@settings(max_examples=60)
@given(st.integers(0, 2**31), st.integers(1, 3))
def test_skyline_keeps_exactly_the_nodes_with_fewer_than_k_dominators(seed, k):
    rng = np.random.default_rng(seed)
    n, n_u = 10, 2
    f = rng.integers(0, 4, n).astype(np.float64)
    h = rng.integers(0, 2, n).astype(np.float64)
    cov = rng.integers(0, 3, (n, n_u)).astype(np.int64)
    cap = rng.integers(1, 3, n).astype(np.int64)
    order = np.argsort(f, kind="mergesort").astype(np.int64)
    kept = np.empty(n, dtype=np.int64)
    hu = np.repeat(h[:, None], n_u, axis=1)
    n_kept = kernels.skyline_kernel(order, n, f, hu, cov, cap, n_u, k, kept)

    def dominates(i, j):
        return f[i] <= f[j] and h[i] <= h[j] and cap[i] >= cap[j] and bool(np.all(cov[i] >= cov[j]))

    position = {int(j): t for t, j in enumerate(order)}
    expected = [
        int(j)
        for j in order
        if sum(dominates(int(i), int(j)) for i in order if position[int(i)] < position[int(j)]) < k
    ]
    assert kept[:n_kept].tolist() == expected


@pytest.mark.parametrize(
    "kernel",
    [kernels.source_order_kernel, kernels.source_stream_kernel, promise_kernels.promise_kernel],
    ids=lambda k: k.py_func.__name__,
)
def test_every_entry_kernel_takes_the_network_bundle_first_then_what_is_left(kernel):
    """Callers pass `KernelNetwork` as `*bundle`: its fields must be the kernels' first
    parameters, in the same order."""
    params = list(inspect.signature(kernel.py_func).parameters)
    assert params[:7] == [*KernelNetwork._fields, "stock", "cap_left"]
