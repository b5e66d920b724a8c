"""Click-and-collect times at a store: when an order is ready, and until when it is held.

Rule: picking happens only while the store is open, on its open non-holiday days, between `opens`
and `closes`. `pick_lead` is working time: what does not fit before closing continues at the next
opening. An order is ready only while the store is open, so work that ends exactly at closing makes
the order ready at the next opening. Durations are measured in real (UTC) time, so a
daylight-saving change inside opening hours is counted correctly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from oms.domain.calendar import NodeCalendar, first_day, nth_day_after
from oms.domain.errors import ValidationError


def _next_opening(cal: NodeCalendar, after: date) -> datetime:
    return cal.at(first_day(after + timedelta(days=1), cal.is_open), cal.opens)


def _work_start(cal: NodeCalendar, now_utc: datetime) -> datetime:
    """First instant at or after `now_utc` when the store is open (UTC)."""
    local = cal.local(now_utc)
    today = local.date()
    if cal.is_open(today) and local.time() < cal.closes:
        return max(now_utc.astimezone(UTC), cal.at(today, cal.opens))
    return _next_opening(cal, today)


def pickup_ready_at(cal: NodeCalendar, now_utc: datetime) -> datetime:
    """UTC instant a click-and-collect order placed at `now_utc` is ready (stock in store)."""
    start = _work_start(cal, now_utc)
    remaining = cal.pick_lead
    while True:
        day = cal.local(start).date()
        left_today = cal.at(day, cal.closes) - start
        if remaining < left_today:
            return start + remaining
        remaining -= left_today
        start = _next_opening(cal, day)


def transfer_ready_at(
    cal_store: NodeCalendar, ship_date_from_source: date, transit_days: int
) -> datetime:
    """UTC instant a ship-to-store order is ready: picked from opening on the day it arrives.

    The transfer arrives after `transit_days` days the store receives on (its open days, not its
    holidays), counted from the source's ship date; picking then starts at opening time.
    """
    if transit_days < 1:
        raise ValidationError([f"transit_days: must be >= 1, got {transit_days}"])
    arrival = nth_day_after(ship_date_from_source, transit_days, cal_store.is_open)
    return pickup_ready_at(cal_store, cal_store.at(arrival, cal_store.opens))


def pickup_expires_at(cal: NodeCalendar, ready_at_utc: datetime) -> datetime:
    """UTC end of the hold: closing time of the `hold_days`-th open day after the ready date
    (the ready day itself does not count, so a late-afternoon ready keeps its full hold)."""
    ready_day = cal.local(ready_at_utc, "ready_at_utc").date()
    return cal.at(nth_day_after(ready_day, cal.hold_days, cal.is_open), cal.closes)
