"""The simulated day: strategies decide in time, against the network as events leave it."""

from __future__ import annotations

import numpy as np
import pytest

from oms.domain.errors import ValidationError
from oms.replay.bound import relaxed_problem
from oms.replay.day import build_day
from oms.replay.simulate import StrategyRun, parse_strategies, run_strategy
from oms.sourcing import cost
from oms.sourcing.online import source_online
from oms.sourcing.registry import STRATEGY_NAMES, plan_with
from tests.unit.test_replay_fixtures import TINY_NODES, small, tiny

HOUR = 3600.0


def replay(day, name: str, period_h: float = 1.0) -> StrategyRun:
    return run_strategy(
        day, name, wave_period_s=period_h * HOUR, wave_time_limit_s=2.0, progress=lambda n: None
    )


def rows(alloc) -> set[tuple[int, int, int, int]]:
    return set(
        zip(*(a.tolist() for a in (alloc.order, alloc.line, alloc.node, alloc.qty)), strict=True)
    )


def test_strategies_are_parsed_in_order_once_each():
    assert parse_strategies("online, wave,online,fewest-splits") == (
        "online",
        "wave",
        "fewest-splits",
    )


def test_an_unknown_strategy_is_refused_with_the_valid_names():
    with pytest.raises(ValidationError, match="unknown strategy 'best'; valid strategies: online"):
        parse_strategies("online,best")


def test_online_replay_without_events_is_the_online_sourcer_in_arrival_order():
    day = build_day(small(events=[]))
    assert rows(replay(day, "online").allocations) == rows(source_online(day.problem).allocations)


@pytest.mark.parametrize("name", ["nearest", "priority", "fewest-splits"])
def test_baseline_replay_without_events_is_the_baseline_in_arrival_order(name):
    day = build_day(small(events=[]))
    assert rows(replay(day, name).allocations) == rows(plan_with(day.problem, name).allocations)


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_a_node_that_is_down_ships_nothing_until_it_recovers(name):
    day = build_day(small())  # DC-PARIS is down from 12:00 (4 h in) to 15:00 (7 h in)
    run = replay(day, name)
    paris = day.problem.nodes.index["DC-PARIS"]
    released = run.release_s[run.allocations.order]
    at_paris = run.allocations.node == paris
    assert not np.any(at_paris & (released >= 4 * HOUR) & (released < 7 * HOUR))
    assert np.any(at_paris)  # it ships before and after


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_every_plan_is_feasible_for_the_relaxed_problem_that_the_bound_covers(name):
    day = build_day(small())
    assert cost.violations(relaxed_problem(day), replay(day, name).allocations) == []


def network_holding(node: str, sku: str, qty: int) -> dict[str, object]:
    return {
        "settings": {"split_penalty": 1.5, "unfilled_penalty": 100.0, "allow_transfers": True},
        "nodes": [dict(n) for n in TINY_NODES],
        "inventory": [{"node": node, "sku": sku, "qty": qty}],
    }


def test_a_receipt_serves_the_orders_that_arrive_after_it(tmp_path):
    orders = [
        [f"O-{i}", t, "45.76", "4.84", "ship", "", "", f"O-{i}-1", "SKU-A", "1"]
        for i, t in enumerate(["09:00", "10:00", "11:00"])
    ]
    receipt = {"at": "10:00", "type": "receipt", "node": "DC-LYON", "sku": "SKU-A", "qty": 5}
    scenario = tiny(
        tmp_path, orders, network=network_holding("DC-LYON", "SKU-A", 0), events=[receipt]
    )
    for name in STRATEGY_NAMES:
        served = np.bincount(replay(build_day(scenario), name).allocations.order, minlength=3)
        # The wave holds the 09:00 order until its 10:00 release, when the receipt is in.
        assert served.tolist() == ([1, 1, 1] if name == "wave" else [0, 1, 1]), name


def test_an_adjustment_takes_units_from_the_orders_after_it_and_never_below_zero(tmp_path):
    orders = [
        [f"O-{i}", t, "45.76", "4.84", "ship", "", "", f"O-{i}-1", "SKU-A", "1"]
        for i, t in enumerate(["09:00", "10:00", "11:00"])
    ]
    counts = [
        {"at": "10:00", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-A", "delta": -1},
        {"at": "10:30", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-A", "delta": -5},
        {"at": "10:45", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-A", "delta": 1},
    ]
    scenario = tiny(tmp_path, orders, network=network_holding("DC-LYON", "SKU-A", 2), events=counts)
    for name in STRATEGY_NAMES:
        served = np.bincount(replay(build_day(scenario), name).allocations.order, minlength=3)
        # 2 units: 1 taken at 09:00, the other counted out at 10:00 (before the 10:00 order);
        # 5 more "gone" leave 0, not -5, so the unit found at 10:45 serves 11:00. The wave
        # holds 10:00's order to 11:00, after the unit is found, and 11:00's to the end.
        expected = [1, 1, 0] if name == "wave" else [1, 0, 1]
        assert served.tolist() == expected, name


def test_a_capacity_cut_counts_the_units_already_shipped(tmp_path):
    orders = [
        ["O-1", "08:00", "48.80", "2.30", "pickup", "ST-PARIS", "", "O-1-1", "SKU-B", "1"],
        ["O-2", "11:00", "48.80", "2.30", "pickup", "ST-PARIS", "", "O-2-1", "SKU-B", "1"],
    ]
    cut = {"at": "10:00", "type": "capacity", "node": "ST-PARIS", "capacity_units": 1}
    scenario = tiny(tmp_path, orders, network=network_holding("ST-PARIS", "SKU-B", 5), events=[cut])
    for name in STRATEGY_NAMES:
        served = np.bincount(replay(build_day(scenario), name).allocations.order, minlength=2)
        assert served.tolist() == [1, 0], name  # the store shipped 1 before the cut to 1


def test_waves_release_held_orders_every_period_and_at_the_end_of_the_day():
    day = build_day(small(events=[]))
    run = replay(day, "wave", period_h=0.5)
    horizon = day.scenario.clock.horizon_s
    assert np.all(run.release_s >= day.arrival_s)
    assert np.all(run.release_s - day.arrival_s <= 0.5 * HOUR)
    assert set(np.unique(run.release_s % (0.5 * HOUR)).tolist()) <= {0.0, horizon % (0.5 * HOUR)}
    assert run.waves == len(np.unique(run.release_s)) and run.waves_optimal == run.waves
