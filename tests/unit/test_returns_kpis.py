"""Returns KPIs on hand-made records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.returns import (
    Channel,
    Durations,
    Method,
    ReturnRecord,
    cross_channel_return_rate,
    processing_time,
    restock_time,
    return_kpis,
    return_rate,
)

T0 = datetime(2026, 9, 1, 8, tzinfo=UTC)


def record(rma, channel, method, units=1, received=None, refunded=None, restocked=None):
    def at(hours):
        return None if hours is None else T0 + timedelta(hours=hours)

    return ReturnRecord(
        rma, Channel(channel), Method(method), units, T0, at(received), at(refunded), at(restocked)
    )


RETURNS = [
    record("R1", "web", "mail", units=2, received=24, refunded=30, restocked=26),
    record("R2", "web", "in_store", units=1, received=2, refunded=3),  # cross-channel
    record("R3", "store", "mail", units=1, received=48, refunded=60, restocked=72),  # cross
    record("R4", "store", "in_store", units=3),  # not received yet
]


def test_the_return_rate_is_units_returned_over_units_delivered():
    assert return_rate(7, 70) == pytest.approx(0.1)
    assert return_rate(0, 0) == 0.0


def test_returns_through_another_channel_than_the_purchase_are_cross_channel():
    assert [r.cross_channel for r in RETURNS] == [False, True, True, False]
    assert cross_channel_return_rate(RETURNS) == 0.5
    assert cross_channel_return_rate([]) == 0.0


def test_processing_time_runs_from_receipt_to_refund_over_the_returns_that_got_there():
    # 6 h, 1 h and 12 h: mean 19/3, median 6.
    assert processing_time(RETURNS) == Durations(3, pytest.approx(19 / 3), 6.0)


def test_restock_time_runs_from_receipt_to_restock():
    assert restock_time(RETURNS) == Durations(2, 13.0, 13.0)  # 2 h and 24 h


def test_no_durations_have_no_mean_or_median():
    assert restock_time([]) == Durations(0, None, None)


def test_the_kpis_of_a_period_come_together():
    kpis = return_kpis(RETURNS, units_delivered=70)
    assert kpis.return_rate == pytest.approx(7 / 70)
    assert kpis.cross_channel_return_rate == 0.5
    assert kpis.processing.count == 3
    assert kpis.restock.median_hours == 13.0
