"""Routing picks the least score, checked against a naive loop in plain Python."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.returns import ReturnNode, ReturnPolicy, RoutedLine, StockNeed, route_return

EXAMPLES = settings(max_examples=200, deadline=None)
SKUS = ["A", "B", "C"]
POLICY = ReturnPolicy(shortage_weight=0.5)


def naive_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def naive_scores(lines, lat, lon, nodes, needs, policy):
    scores = {}
    for node in nodes:
        if not node.accepts_returns:
            continue
        ship = node.shipment_cost + node.cost_per_km * naive_km(node.lat, node.lon, lat, lon)
        benefit = 0.0
        for line in lines:
            need = needs.get((node.node_id, line.sku))
            short = max(0.0, need.expected_demand - need.atp) if need else 0.0
            benefit += line.unit_value_minor / policy.minor_per_major * min(line.qty, short)
        scores[node.node_id] = ship - policy.shortage_weight * benefit
    return scores


coords = st.tuples(st.floats(41.0, 51.0), st.floats(-5.0, 9.0))
nodes_st = st.lists(
    st.builds(
        lambda i, ll, accepts, base, per_km: ReturnNode(
            f"N{i}", "warehouse", ll[0], ll[1], accepts, base, per_km
        ),
        st.integers(0, 99),
        coords,
        st.booleans(),
        st.sampled_from([0.0, 2.5, 4.5, 6.0]),
        st.sampled_from([0.0, 0.004, 0.006, 0.01]),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda n: n.node_id,
).filter(lambda ns: any(n.accepts_returns for n in ns))
needs_st = st.dictionaries(
    st.tuples(st.sampled_from([f"N{i}" for i in range(100)]), st.sampled_from(SKUS)),
    st.builds(StockNeed, st.integers(0, 10), st.floats(0.0, 12.0)),
    max_size=40,
)
lines_st = st.lists(
    st.builds(RoutedLine, st.sampled_from(SKUS), st.integers(1, 5), st.integers(0, 50_000)),
    min_size=1,
    max_size=3,
)


@EXAMPLES
@given(lines_st, coords, nodes_st, needs_st)
def test_routing_picks_the_minimum_score_of_a_naive_loop(lines, customer, nodes, needs):
    choice = route_return(lines, *customer, nodes, needs, POLICY)
    naive = naive_scores(lines, *customer, nodes, needs, POLICY)
    assert {s.node_id for s in choice.scores} == set(naive)
    for s in choice.scores:
        assert math.isclose(s.score, naive[s.node_id], rel_tol=1e-9, abs_tol=1e-9)
    best = min(naive.values())
    near_best = {node_id for node_id, v in naive.items() if v <= best + 1e-9}
    assert choice.node_id in near_best
    # Ties (equal scores as computed) go to the smallest node id.
    tied = [s.node_id for s in choice.scores if s.score == choice.scores[0].score]
    assert choice.node_id == min(tied)
