"""The promise tally: lines asked and lines found whole, per UTC hour, handed over once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from oms.promise.outcomes import PromiseOutcomes, PromiseTally

TEN = datetime(2026, 9, 1, 10, tzinfo=UTC)


def test_promises_add_up_per_utc_hour_and_are_handed_over_once():
    tally = PromiseOutcomes()
    tally.record(TEN + timedelta(minutes=5), 3, 1)
    tally.record(datetime(2026, 9, 1, 12, 59, tzinfo=timezone(timedelta(hours=2))), 2, 0)
    tally.record(TEN + timedelta(hours=1), 1, 1)
    assert tally.drain() == [PromiseTally(TEN, 5, 4), PromiseTally(TEN + timedelta(hours=1), 1, 0)]
    assert tally.drain() == []


def test_what_could_not_be_written_is_counted_again():
    tally = PromiseOutcomes()
    tally.record(TEN, 2, 1)
    tally.restore(tally.drain())
    tally.record(TEN, 1, 0)
    assert tally.drain() == [PromiseTally(TEN, 3, 2)]
