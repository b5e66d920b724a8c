"""The yardstick: a proven, reproducible lower bound over a relaxation every strategy fits in."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from oms.replay.bound import relaxed_problem
from oms.replay.day import build_day
from oms.replay.scenario import parse_scenario
from oms.sourcing.wave import lp_bound, solve_wave
from tests.problems import problems
from tests.unit.test_replay_fixtures import small, small_dict


@settings(max_examples=30)
@given(problems(max_nodes=4, max_orders=4))
def test_the_lp_bound_never_exceeds_the_optimum(problem):
    optimum = solve_wave(problem, time_limit=5.0)
    bound = lp_bound(problem, time_limit=5.0)
    assert bound.converged
    assert bound.value <= optimum.cost.total + 1e-6 * max(1.0, optimum.cost.total)


def test_the_lp_bound_is_the_same_every_time():
    problem = relaxed_problem(build_day(small()))
    assert lp_bound(problem, 30.0) == lp_bound(problem, 30.0)


def test_the_relaxed_day_holds_every_receipt_and_each_nodes_highest_capacity():
    data = small_dict()
    data["events"].append(
        {"at": "18:00", "type": "capacity", "node": "ST-AUBAGNE-01", "capacity_units": 500}
    )
    day = build_day(parse_scenario(data))
    relaxed = relaxed_problem(day)
    nodes = day.problem.nodes
    lyon, aubagne = nodes.index["DC-LYON"], nodes.index["ST-AUBAGNE-01"]
    added = relaxed.stock - day.problem.stock
    assert added[day.problem.sku_index["SKU-00001"], lyon] == 20 and added.sum() == 20
    highest = nodes.capacity.copy()  # the 16:00 cut only lowers the stores' capacities
    highest[aubagne] = 500
    assert np.array_equal(relaxed.nodes.capacity, highest)
    assert relaxed.orders is day.problem.orders
