"""The live KPIs on the fake unit of work: facts of five orders, two returns and two hours of
promises over three days, every figure worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ValidationError
from oms.kpis.ports import CountFact, OrderFact, PromiseTally, ReturnFact
from oms.kpis.rules import Percentiles, Rate
from oms.kpis.service import NO_COUNTS, Bucket, Window, kpis_asked, live_kpis, parse_window
from oms.promise.outcomes import PromiseOutcomes
from tests.fakes import FakeUnitOfWork


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 9, day, tzinfo=UTC) + timedelta(hours=hour)


def order(oid, channel, created, *, pickup=False, promised=None, done=None, arrived=None, **kw):
    return OrderFact(
        order_id=oid,
        channel=channel,
        pickup=pickup,
        created_at=created,
        supplied_by_store=kw.get("supplied", False),
        returned_in_store=kw.get("returned_in_store", False),
        short_picked=kw.get("short", False),
        wrong_item_returned=kw.get("wrong_item", False),
        promised_at=promised,
        done_at=done,
        arrived_at=arrived,
        zone="Europe/Paris" if pickup else "UTC",
    )


ORDERS = [
    # shipped after 12 h, delivered the day after, promised two days after: on time
    order("A", "web", at(1, 8), promised=at(3), done=at(1, 20), arrived=at(2, 10)),
    # ready at 11:00 UTC, promised ready at 10:30 UTC: the same day in Paris, so on time
    order(
        "B", "web", at(1, 9), pickup=True, promised=at(1, 10.5), done=at(1, 11), arrived=at(1, 11)
    ),
    # store-to-web, promised for the 3rd and still not shipped on the 5th: due, and late
    order("C", "store", at(2, 10), promised=at(3)),
    # short picked, returned in a store for the wrong item, delivered a day late
    order(
        "D",
        "web",
        at(2, 12),
        promised=at(3),
        done=at(3, 12),
        arrived=at(4, 9),
        short=True,
        returned_in_store=True,
        wrong_item=True,
    ),
    # promised for the 6th: not due yet
    order("E", "web", at(3, 12), promised=at(6)),
]
NOW = at(5, 12)
WINDOW = Window(at(1), at(4), Bucket.DAY)


def world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.kpis.order_facts = list(ORDERS)
    uow.kpis.return_facts = [ReturnFact("R1", at(2, 15), True), ReturnFact("R2", at(3, 9), False)]
    uow.kpis.add_promise_tallies([PromiseTally(at(1, 10), 4, 3), PromiseTally(at(2, 16), 2, 2)])
    return uow


def series(kpi):
    return [value for _, value in kpi.series]


def test_orders_count_by_channel_over_the_period_and_each_day():
    k = live_kpis(world(), WINDOW, NOW)
    assert k.orders_by_channel.total == {"store": 1, "web": 4}
    assert series(k.orders_by_channel) == [{"web": 2}, {"store": 1, "web": 1}, {"web": 1}]
    assert [s for s, _ in k.orders_by_channel.series] == [at(1), at(2), at(3)]


def test_pickups_store_orders_and_returns_in_store_cross_channels():
    k = live_kpis(world(), WINDOW, NOW)
    assert k.omnichannel_share.total == Rate(3, 5)  # B, C, D
    assert series(k.omnichannel_share) == [Rate(1, 2), Rate(2, 2), Rate(0, 1)]


def test_processing_runs_from_placing_to_shipped_or_ready():
    k = live_kpis(world(), WINDOW, NOW)
    assert k.processing_hours.total == Percentiles(3, 12.0, pytest.approx(21.6))  # 12, 2, 24 h
    assert series(k.processing_hours)[0] == Percentiles(2, 7.0, pytest.approx(11.0))
    assert series(k.processing_hours)[2] == Percentiles(0, None, None)


def test_on_time_counts_orders_done_or_past_their_promise():
    k = live_kpis(world(), WINDOW, NOW)
    assert k.on_time_rate.total == Rate(2, 4)  # A and B on time; C and D late; E not due
    assert series(k.on_time_rate) == [Rate(2, 2), Rate(0, 2), Rate(0, 0)]


def test_an_order_not_there_is_not_due_before_its_promised_day_is_over():
    k = live_kpis(world(), WINDOW, at(3, 23))  # C is promised for the 3rd: not late yet
    assert k.on_time_rate.total == Rate(2, 3)


def test_errors_returns_and_availability():
    k = live_kpis(world(), WINDOW, NOW)
    assert k.order_error_rate.total == Rate(1, 5)
    assert k.cross_channel_return_rate.total == Rate(1, 2)
    assert series(k.cross_channel_return_rate) == [Rate(0, 0), Rate(1, 1), Rate(0, 1)]
    assert k.availability_rate.total == Rate(5, 6)
    assert series(k.availability_rate) == [Rate(3, 4), Rate(2, 2), Rate(0, 0)]


def test_without_counts_stock_accuracy_is_null_and_says_why():
    k = live_kpis(world(), WINDOW, NOW)
    assert k.stock_accuracy.total.value is None and k.stock_accuracy.reason == NO_COUNTS


def test_stock_accuracy_is_computed_from_counts_when_there_are_some():
    uow = world()
    uow.kpis.count_facts = [CountFact(at(1, 8), 5, 5), CountFact(at(2, 8), 3, 1)]
    k = live_kpis(uow, WINDOW, NOW)
    assert k.stock_accuracy.total == Rate(1, 2) and k.stock_accuracy.reason is None


def test_weeks_start_on_monday_and_only_the_period_counts():
    uow = world()
    k = live_kpis(uow, Window(at(1, 9), at(7), Bucket.WEEK), NOW)  # 1 Sept 2026 is a Tuesday
    assert [s for s, _ in k.orders_by_channel.series] == [datetime(2026, 8, 31, tzinfo=UTC)]
    assert k.orders_by_channel.total == {"store": 1, "web": 3}  # A, placed at 08:00, is out


def test_this_processes_promises_are_written_before_reading():
    uow, outcomes = world(), PromiseOutcomes()
    outcomes.record(
        at(
            2,
            16,
        )
        + timedelta(minutes=5),
        3,
        1,
    )
    k = live_kpis(uow, WINDOW, NOW, outcomes)
    assert k.availability_rate.total == Rate(5 + 2, 6 + 3)
    assert uow.committed == 1 and outcomes.drain() == []


def test_a_failed_write_keeps_the_promises_counted():
    uow, outcomes = world(), PromiseOutcomes()
    outcomes.record(at(2, 16), 3, 1)

    def broken(tallies):
        raise RuntimeError("database gone")

    uow.kpis.add_promise_tallies = broken
    with pytest.raises(RuntimeError):
        live_kpis(uow, WINDOW, NOW, outcomes)
    assert outcomes.drain() == [PromiseTally(at(2, 16), 3, 2)]


@pytest.mark.parametrize(
    ("start", "end", "bucket", "message"),
    [
        ("2026-09-01T00:00:00", "2026-09-02T00:00:00Z", None, "from: must carry its offset"),
        ("2026-09-01T00:00:00Z", "tomorrow", None, "to: not an ISO 8601 instant"),
        ("2026-09-02T00:00:00Z", "2026-09-01T00:00:00Z", None, "to: must be after from"),
        ("2025-01-01T00:00:00Z", "2026-09-01T00:00:00Z", None, "to: at most 366 days"),
        ("2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z", "month", "bucket: must be day or week"),
        (None, "2026-09-02T00:00:00Z", None, "from: required"),
    ],
)
def test_a_bad_period_is_refused_naming_the_parameter(start, end, bucket, message):
    with pytest.raises(ValidationError, match=message):
        parse_window(start, end, bucket)


def test_offsets_are_read_as_the_instants_they_stand_for():
    w = parse_window("2026-09-01T02:00:00+02:00", "2026-09-02T00:00:00Z", "week")
    assert w == Window(at(1), at(2), Bucket.WEEK)
    assert kpis_asked(world(), "2026-09-01T00:00:00Z", "2026-09-02T00:00:00Z", now=NOW).window
