"""The omnichannel KPI rules the replay and the live KPIs share, on hand-made facts."""

from __future__ import annotations

import numpy as np
import pytest

from oms.kpis import rules
from oms.kpis.rules import NO_DATE, Rate


def flags(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.bool_)


def days(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_a_rate_keeps_its_counts_and_has_no_value_over_nothing():
    assert Rate(1, 4).value == 0.25
    assert Rate(0, 0).value is None
    assert rules.rate(flags(1, 0, 1), flags(1, 1, 0)) == Rate(1, 2)


def test_an_order_crosses_channels_by_any_of_its_four_ways():
    # store-to-web, collected, ship-from-store, returned in store, and a plain web order
    crosses = rules.crosses_channels(
        flags(1, 0, 0, 0, 0), flags(0, 1, 0, 0, 0), flags(0, 0, 1, 0, 0), flags(0, 0, 0, 1, 0)
    )
    assert crosses.tolist() == [True, True, True, True, False]
    assert rules.omnichannel_share(crosses, flags(1, 1, 1, 0, 1)) == Rate(3, 4)


def test_availability_is_lines_available_over_lines_asked():
    assert rules.availability_rate(3, 4) == Rate(3, 4)
    assert rules.availability_rate(0, 0).value is None


def test_an_order_is_on_time_when_it_gets_there_by_the_promised_day():
    due = flags(1, 1, 1, 1, 0)
    promised = days(10, 10, 10, NO_DATE, 10)
    actual = days(10, 11, NO_DATE, 9, 12)  # on the day, a day late, not there, no promise
    assert rules.on_time_rate(due, promised, actual) == Rate(1, 4)


def test_an_order_with_any_kind_of_error_counts_once():
    sourced = flags(1, 1, 1, 1)
    short, wrong_item = flags(1, 1, 0, 0), flags(0, 1, 1, 0)
    assert rules.order_error_rate(sourced, short, wrong_item) == Rate(3, 4)
    assert rules.order_error_rate(sourced) == Rate(0, 4)


def test_the_cross_channel_return_rate_counts_returns():
    assert rules.cross_channel_return_rate(flags(1, 0, 0, 1)) == Rate(2, 4)
    assert rules.cross_channel_return_rate(flags()).value is None


def test_stock_accuracy_counts_the_records_holding_units():
    system, counted = days(5, 3, 0, 2), days(5, 2, 1, 2)  # the empty record is left out
    assert rules.stock_accuracy(system, counted) == Rate(2, 3)


def test_percentiles_interpolate_between_ranks():
    got = rules.percentiles(np.array([1.0, 2.0, 3.0, 10.0]))
    assert got.count == 4 and got.p50 == 2.5 and got.p90 == pytest.approx(7.9)
    assert rules.percentiles(np.array([])) == rules.Percentiles(0, None, None)


def test_the_readme_states_each_live_kpis_definition():
    from pathlib import Path

    from oms.kpis.service import DEFINITIONS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Live KPIs", 1)[1].split("\n## ", 1)[0]
    for key, text in DEFINITIONS.items():
        assert f"- `{key}`: {text}" in section, key
