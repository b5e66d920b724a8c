"""The seeded demand model: same seed, same day; arrivals follow the hours; orders are valid."""

from __future__ import annotations

import numpy as np

from oms.domain.geo import haversine_km
from oms.replay.day import build_day
from oms.replay.scenario import parse_scenario
from oms.replay.stream import problem_at
from oms.sourcing.contract import NO_LIMIT, parse_problem, problem_to_dict
from tests.unit.test_replay_fixtures import small, small_dict


def test_same_seed_gives_the_same_orders():
    a, b = build_day(small()), build_day(small())
    assert a.problem.orders.line_ids == b.problem.orders.line_ids
    assert np.array_equal(a.arrival_s, b.arrival_s)
    assert np.array_equal(a.problem.orders.line_sku, b.problem.orders.line_sku)
    assert np.array_equal(a.return_draw, b.return_draw)


def test_another_seed_gives_other_orders():
    a, b = build_day(small(), seed=1), build_day(small(), seed=2)
    assert not np.array_equal(a.problem.orders.line_sku[:50], b.problem.orders.line_sku[:50])


def test_arrivals_are_sorted_whole_seconds_in_the_hours_that_have_weight():
    hours = [0.0] * 24
    hours[9], hours[14] = 1.0, 3.0  # 09:00-10:00 and 14:00-15:00, three times busier later
    data = small_dict(4000)
    data["demand"]["model"]["hourly_weights"] = hours
    day = build_day(parse_scenario(data))
    t = day.arrival_s
    assert np.all(np.diff(t) >= 0) and np.all(t == np.floor(t))
    local_hour = 8 + t // 3600
    assert set(np.unique(local_hour).tolist()) == {9, 14}
    share = float(np.mean(local_hour == 14))
    assert 0.72 < share < 0.78


def test_drawn_orders_follow_the_contract():
    day = build_day(small(2000))
    o, nodes = day.problem.orders, day.problem.nodes
    again = parse_problem(problem_to_dict(problem_at(day.problem, o)))  # the contract's checks
    assert again.orders.line_ids == o.line_ids
    assert np.all(o.line_qty >= 1) and np.all(o.max_shipments >= 1)
    assert set(np.unique(o.max_shipments).tolist()) <= {1, 2, NO_LIMIT}
    pickup = np.flatnonzero(o.is_pickup)
    assert 0.15 < len(pickup) / len(o) < 0.25  # pickup_share 0.2
    assert np.all(nodes.can_pickup[o.pickup_node[pickup]])
    assert np.allclose(o.dest_lat[pickup], nodes.lat[o.pickup_node[pickup]])


def test_a_pickup_customer_chooses_one_of_the_three_nearest_stores():
    day = build_day(small(1000))
    o, nodes = day.problem.orders, day.problem.nodes
    stores = np.flatnonzero(nodes.can_pickup)
    for i in np.flatnonzero(o.is_pickup).tolist():
        km = haversine_km(
            np.full(len(stores), o.lat[i]),
            np.full(len(stores), o.lon[i]),
            nodes.lat[stores],
            nodes.lon[stores],
        )
        nearest = stores[np.argsort(km, kind="stable")[:3]]
        assert o.pickup_node[i] in nearest
