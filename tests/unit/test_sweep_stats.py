"""The sweep's statistics and its --seeds syntax: t quantiles against published tables and closed
forms, intervals and paired differences against hand-worked numbers."""

from __future__ import annotations

import math

import pytest

from oms.replay.sweep import parse_seeds
from oms.replay.sweep_stats import (
    Interval,
    SweepRun,
    mean_interval,
    student_t_central,
    summarise,
    t_quantile,
)

# t(0.975, df), the 95% two-sided quantile, from standard tables
T_TABLE = {
    1: 12.7062047362,
    2: 4.3026527297,
    3: 3.1824463053,
    4: 2.7764451052,
    9: 2.2621571628,
    29: 2.0452296421,
    49: 2.0095752371,
    1000: 1.9623390808,
}


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE.items()))
def test_the_t_quantile_matches_the_published_table(df, expected):
    assert t_quantile(0.95, df) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("t", [0.1, 1.0, 2.5, 7.0])
def test_the_t_distribution_matches_its_closed_forms_for_one_and_two_degrees(t):
    assert student_t_central(t, 1) == pytest.approx(2 / math.pi * math.atan(t), abs=1e-12)
    assert student_t_central(t, 2) == pytest.approx(t / math.sqrt(2 + t * t), abs=1e-12)


def test_the_t_distribution_tends_to_the_normal_with_many_degrees():
    assert student_t_central(1.959963984540054, 10_000) == pytest.approx(0.95, abs=1e-4)
    assert t_quantile(0.99, 10_000) == pytest.approx(2.5758293035489, abs=1e-3)


def test_an_interval_is_the_mean_plus_or_minus_t_times_the_standard_error():
    interval = mean_interval([1.0, 2.0, 6.0])  # mean 3, s = sqrt(7)
    assert interval.n == 3 and interval.mean == pytest.approx(3.0)
    half = T_TABLE[2] * math.sqrt(7.0) / math.sqrt(3.0)
    assert (interval.low, interval.high) == pytest.approx((3.0 - half, 3.0 + half))


def test_one_value_has_a_mean_but_no_interval_and_equal_values_a_zero_width_one():
    assert mean_interval([4.0]) == Interval(1, 4.0, None, None)
    flat = mean_interval([2.5, 2.5, 2.5])
    assert (flat.low, flat.mean, flat.high) == (2.5, 2.5, 2.5)


def run(seed: int, strategy: str, cost: float | None) -> SweepRun:
    return SweepRun(seed, strategy, {"total_cost": cost, "lower_bound": None}, 0.0)


def test_the_paired_difference_is_taken_seed_by_seed_on_the_seeds_both_have():
    runs = [
        run(1, "online", 100.0),
        run(2, "online", 200.0),
        run(3, "online", 300.0),
        run(1, "wave", 98.0),
        run(2, "wave", 197.0),
        run(3, "wave", None),  # does not apply on seed 3: left out of both
    ]
    by = {
        (s.strategy, s.kpi): s
        for s in summarise(runs, ("online", "wave"), "online", ["total_cost", "lower_bound"])
    }
    assert set(by) == {("online", "total_cost"), ("wave", "total_cost")}  # no value, no row
    wave = by["wave", "total_cost"]
    assert (wave.value.n, wave.value.mean) == (2, 147.5)
    assert wave.difference is not None
    assert (wave.difference.n, wave.difference.mean) == (2, -2.5)
    half = T_TABLE[1] * math.sqrt(0.5) / math.sqrt(2.0)  # differences -2 and -3
    assert wave.difference.high == pytest.approx(-2.5 + half)
    online = by["online", "total_cost"].difference
    assert online is not None and (online.mean, online.low, online.high) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("text", "seeds"),
    [("1-5", (1, 2, 3, 4, 5)), ("1,2,5", (1, 2, 5)), ("3", (3,)), ("4-5, 1, 4", (4, 5, 1))],
)
def test_seeds_are_ranges_lists_or_one_in_the_order_given_each_once(text, seeds):
    assert parse_seeds(text) == (seeds, [])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("5-1", "--seeds: the range 5-1 is empty (it must go up, like 1-50)"),
        ("", "--seeds: '' is not a seed or a range like 1-50"),
        ("1-", "--seeds: '1-' is not a seed or a range like 1-50"),
        ("-3", "--seeds: '-3' is not a seed or a range like 1-50"),
        ("1-99999999999", "--seeds: 99999999999 is above the largest seed, 4294967295"),
    ],
)
def test_a_bad_seed_list_is_named_with_what_is_wrong(text, problem):
    assert parse_seeds(text)[1] == [problem]
