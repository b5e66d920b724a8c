"""The Today view's hours and capacity, on the fake unit of work."""

from __future__ import annotations

from datetime import UTC, datetime

from oms.stores.today import today
from tests.fakes import FakeUnitOfWork
from tests.unit.services.orders_world import S1, _node

SUNDAY_NOON_PARIS = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
MONDAY_EVENING_PARIS = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)  # 20:30 in Paris


def store(**extra: object) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.nodes.add(_node(S1, "store", 48.86, 2.35, **extra))
    return uow


def test_a_store_closed_on_sundays_shows_closed_today_on_its_local_date():
    day = today(store(open_days="012345", opens="09:00", closes="19:00"), S1, SUNDAY_NOON_PARIS)
    assert (day.hours.date, day.hours.open_today, day.hours.opens) == ("2026-12-06", False, None)
    assert not day.hours.open_now


def test_after_closing_time_the_store_is_open_today_but_not_now():
    uow = store(open_days="012345", opens="09:00", closes="19:00")
    hours = today(uow, S1, MONDAY_EVENING_PARIS).hours
    assert (hours.open_today, hours.opens, hours.closes, hours.open_now) == (
        True,
        "09:00",
        "19:00",
        False,
    )


def test_a_store_without_a_capacity_limit_has_no_capacity_left_figure():
    day = today(store(capacity_units=None), S1, MONDAY_EVENING_PARIS)
    assert (day.capacity_units, day.capacity_left_today, day.units_allocated_today) == (
        None,
        None,
        0,
    )
    controls = day.capacity_controls
    assert (controls.daily_order_limit, controls.orders_today, controls.paused) == (None, 0, False)
