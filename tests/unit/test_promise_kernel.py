"""The promise's fused kernel answers exactly what the one-order sourcer answers asked one by one:
the ship plan, then the pickup plans at the nearest enabled pickup stores, nearest first."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.domain.geo import haversine_km
from oms.sourcing.online import NetworkArrays, OnlineSourcer
from tests.problems import random_problem


def _nearest_pickup_stores(net: NetworkArrays, lat: float, lon: float, k: int) -> list[int]:
    """Naive reference: every enabled pickup node by distance, a tie to the lower index."""
    stores = [i for i in range(len(net)) if net.flags[2, i] and net.flags[1, i]]
    km = [float(haversine_km(net.floats[0, i], net.floats[1, i], lat, lon)) for i in stores]
    return [stores[t] for t in sorted(range(len(stores)), key=lambda t: (km[t], stores[t]))][:k]


def _same(plan, decision) -> bool:  # type: ignore[no-untyped-def]
    line, node, qty = decision.line.tolist(), decision.node.tolist(), decision.qty.tolist()
    rows = list(zip(line, node, qty, strict=True))
    return (
        plan.cost == decision.cost
        and plan.rows == rows
        and plan.unfilled == decision.unfilled.tolist()
    )


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 7), st.integers(0, 4), st.booleans())
def test_one_promise_call_equals_the_ship_and_pickup_plans_asked_one_by_one(
    seed, n_nodes, pickup_stores, with_outage
):
    problem = random_problem(seed, n_nodes=n_nodes, n_orders=1, max_qty=2, max_lines=3)
    enabled = np.ones(n_nodes, dtype=np.bool_)
    if with_outage:
        enabled[seed % n_nodes] = False
    net = NetworkArrays.from_nodes(problem.nodes, enabled)
    sourcer = OnlineSourcer(net, problem.settings)
    o = problem.orders
    sku, qty = o.line_sku[: o.line_start[1]], o.line_qty[: o.line_start[1]]
    lat, lon = float(o.dest_lat[0]), float(o.dest_lon[0])
    stock, cap = problem.stock, problem.nodes.capacity

    plans = sourcer.source_promise(stock, cap, sku, qty, lat, lon, pickup_stores)

    stores = _nearest_pickup_stores(net, lat, lon, pickup_stores)
    assert [plan.store for plan in plans] == [-1, *stores]
    assert _same(plans[0], sourcer.source_order(stock, cap, sku, qty, lat, lon))
    for plan in plans[1:]:
        s_lat, s_lon = net.floats[0, plan.store], net.floats[1, plan.store]
        alone = sourcer.source_order(stock, cap, sku, qty, s_lat, s_lon, pickup_node=plan.store)
        assert _same(plan, alone)
