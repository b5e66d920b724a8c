"""When a counted line needs an ops approval: more than N units off, or more than P percent."""

from __future__ import annotations

from oms.stores.counts_model import VarianceThreshold


def test_by_default_up_to_two_units_either_way_is_within_the_threshold():
    rule = VarianceThreshold()
    assert not rule.beyond(10, 12) and not rule.beyond(10, 8) and not rule.beyond(0, 2)
    assert rule.beyond(10, 13) and rule.beyond(3, 0)


def test_a_percent_threshold_catches_small_stocks_the_units_alone_let_through():
    rule = VarianceThreshold(units=5, percent=10)
    assert rule.beyond(10, 12)  # 20 % off, within 5 units
    assert not rule.beyond(100, 105)  # 5 %
    assert rule.beyond(0, 1) and not rule.beyond(4, 4)
