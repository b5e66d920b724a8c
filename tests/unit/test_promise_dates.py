"""Promise dates: cut-offs on the node's local clock, open days and holidays, carrier transit by
distance, click-and-collect readiness and hold expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.domain.errors import ValidationError
from oms.promise import (
    EXPRESS,
    FRENCH_HOLIDAYS,
    STANDARD,
    CarrierService,
    DeliveryPromise,
    NodeCalendar,
    delivery_date,
    easter_sunday,
    french_holidays,
    pickup_expires_at,
    pickup_ready_at,
    promise_dates,
    ship_date,
    transfer_ready_at,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
SUNDAY = 6
EVERY_DAY = frozenset(range(7))
FR_NODE = NodeCalendar(holidays=FRENCH_HOLIDAYS)


def utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


def paris(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


# ---------------------------------------------------------------- ship date and cut-off


def test_an_order_before_cutoff_on_an_open_day_leaves_the_same_day() -> None:
    assert ship_date(NodeCalendar(), paris(2026, 6, 10, 13, 59)) == date(2026, 6, 10)


def test_an_order_after_cutoff_leaves_the_next_open_day() -> None:
    assert ship_date(NodeCalendar(), paris(2026, 6, 10, 14, 0)) == date(2026, 6, 11)


def test_a_saturday_order_after_cutoff_leaves_on_monday() -> None:
    assert ship_date(NodeCalendar(), paris(2026, 6, 13, 15, 0)) == date(2026, 6, 15)


def test_the_cutoff_is_read_on_the_local_date_not_the_utc_date() -> None:
    # 22:30 UTC on Monday is 00:30 on Tuesday in Paris: Tuesday, before cut-off.
    assert ship_date(NodeCalendar(), utc(2026, 6, 1, 22, 30)) == date(2026, 6, 2)


def test_the_cutoff_follows_the_local_clock_when_paris_springs_forward() -> None:
    cal = NodeCalendar(open_days=EVERY_DAY)
    # 12:30 UTC is 13:30 CET on Saturday 28 March, but 14:30 CEST from Sunday 29 March.
    assert ship_date(cal, utc(2026, 3, 28, 12, 30)) == date(2026, 3, 28)
    assert ship_date(cal, utc(2026, 3, 29, 12, 30)) == date(2026, 3, 30)
    assert ship_date(cal, utc(2026, 3, 29, 11, 59)) == date(2026, 3, 29)


def test_the_cutoff_follows_the_local_clock_when_paris_falls_back() -> None:
    # 12:30 UTC is 14:30 CEST on Saturday 24 October (after: Sunday closed, so Monday), but
    # 13:30 CET on Monday 26 October (before).
    assert ship_date(NodeCalendar(), utc(2026, 10, 24, 12, 30)) == date(2026, 10, 26)
    assert ship_date(NodeCalendar(), utc(2026, 10, 26, 12, 30)) == date(2026, 10, 26)
    cal = NodeCalendar(open_days=EVERY_DAY)
    assert ship_date(cal, utc(2026, 10, 25, 12, 59)) == date(2026, 10, 25)
    assert ship_date(cal, utc(2026, 10, 25, 13, 0)) == date(2026, 10, 26)


def test_a_new_york_node_applies_its_cutoff_in_new_york_time() -> None:
    cal = NodeCalendar(timezone="America/New_York")
    assert ship_date(cal, utc(2026, 6, 10, 17, 59)) == date(2026, 6, 10)  # 13:59 EDT
    assert ship_date(cal, utc(2026, 6, 10, 18, 0)) == date(2026, 6, 11)  # 14:00 EDT
    # 02:00 UTC on Wednesday is still Tuesday 22:00 in New York: after cut-off, so Wednesday.
    assert ship_date(cal, utc(2026, 6, 10, 2, 0)) == date(2026, 6, 10)
    # US clocks change on 8 March 2026: 18:30 UTC is 13:30 EST before, 14:30 EDT after.
    assert ship_date(cal, utc(2026, 3, 6, 18, 30)) == date(2026, 3, 6)
    assert ship_date(cal, utc(2026, 3, 9, 18, 30)) == date(2026, 3, 10)
    assert ship_date(cal, datetime(2026, 3, 9, 13, 59, tzinfo=NEW_YORK)) == date(2026, 3, 9)


def test_a_node_does_not_ship_on_its_holidays() -> None:
    # Thursday 30 April after cut-off: Friday 1 May is a holiday, so Saturday 2 May.
    assert ship_date(FR_NODE, paris(2026, 4, 30, 15, 0)) == date(2026, 5, 2)
    assert ship_date(FR_NODE, paris(2026, 12, 25, 10, 0)) == date(2026, 12, 26)
    assert ship_date(NodeCalendar(), paris(2026, 12, 25, 10, 0)) == date(2026, 12, 25)


def test_processing_days_add_open_days_after_the_first_possible_day() -> None:
    two = NodeCalendar(processing_days=2)
    assert ship_date(two, paris(2026, 6, 8, 10, 0)) == date(2026, 6, 10)  # Mon -> Wed
    assert ship_date(two, paris(2026, 6, 12, 10, 0)) == date(2026, 6, 15)  # Fri -> Sat, Mon
    assert ship_date(two, paris(2026, 6, 12, 15, 0)) == date(2026, 6, 16)  # Sat -> Mon, Tue
    fr = NodeCalendar(processing_days=1, holidays=FRENCH_HOLIDAYS)
    assert ship_date(fr, paris(2026, 4, 30, 10, 0)) == date(2026, 5, 2)  # Thu -> (1 May) Sat


def test_a_naive_datetime_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValidationError, match="now_utc"):
        ship_date(NodeCalendar(), datetime(2026, 6, 10, 10, 0))


# ---------------------------------------------------------------- carriers and delivery date


@pytest.mark.parametrize(
    ("service", "km", "days"),
    [
        (STANDARD, 0.0, 1),
        (STANDARD, 200.0, 1),
        (STANDARD, 200.5, 2),
        (STANDARD, 600.0, 2),
        (STANDARD, 600.1, 3),
        (STANDARD, 5000.0, 3),
        (EXPRESS, 600.0, 1),
        (EXPRESS, 601.0, 2),
    ],
)
def test_transit_days_follow_the_distance_bands_upper_bound_included(
    service: CarrierService, km: float, days: int
) -> None:
    assert service.transit_days(km) == days


def test_standard_shipped_on_saturday_is_delivered_on_monday_not_sunday() -> None:
    assert delivery_date(STANDARD, date(2026, 6, 13), 100.0, frozenset()) == date(2026, 6, 15)
    assert delivery_date(STANDARD, date(2026, 6, 12), 400.0, frozenset()) == date(2026, 6, 15)


def test_carriers_do_not_deliver_on_holidays() -> None:
    assert delivery_date(STANDARD, date(2026, 4, 30), 50.0, FRENCH_HOLIDAYS) == date(2026, 5, 2)
    assert delivery_date(EXPRESS, date(2026, 12, 24), 500.0, FRENCH_HOLIDAYS) == date(2026, 12, 26)
    # 7 and 8 May 2026: Friday 8 May is a holiday, the weekend follows.
    assert delivery_date(STANDARD, date(2026, 5, 7), 50.0, FRENCH_HOLIDAYS) == date(2026, 5, 9)
    assert delivery_date(STANDARD, date(2026, 5, 7), 300.0, FRENCH_HOLIDAYS) == date(2026, 5, 11)


def test_a_negative_or_unknown_distance_is_refused_naming_distance_km() -> None:
    for km in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValidationError, match="distance_km"):
            delivery_date(STANDARD, date(2026, 6, 10), km, frozenset())


def test_promise_dates_combine_the_cutoff_and_the_transit() -> None:
    # Saturday after cut-off at a French node: leaves Monday, express 1 day -> Tuesday.
    got = promise_dates(FR_NODE, EXPRESS, paris(2026, 6, 13, 16, 0), 450.0, FRENCH_HOLIDAYS)
    assert got == DeliveryPromise("express", date(2026, 6, 15), date(2026, 6, 16))
    got = promise_dates(FR_NODE, STANDARD, paris(2026, 4, 30, 9, 0), 700.0, FRENCH_HOLIDAYS)
    assert got == DeliveryPromise("standard", date(2026, 4, 30), date(2026, 5, 5))


# ---------------------------------------------------------------- holidays


@pytest.mark.parametrize(
    "easter",
    [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2000, 4, 23),
        date(2038, 4, 25),
        date(2285, 3, 22),  # earliest possible date
        date(1943, 4, 25),  # latest possible date
    ],
)
def test_easter_is_computed_for_any_gregorian_year(easter: date) -> None:
    assert easter_sunday(easter.year) == easter


def test_french_holidays_include_the_movable_feasts() -> None:
    h2026 = french_holidays(2026)
    assert len(h2026) == 11
    assert {date(2026, 4, 6), date(2026, 5, 14), date(2026, 5, 25)} <= h2026
    assert {date(2026, 1, 1), date(2026, 7, 14), date(2026, 11, 11), date(2026, 12, 25)} <= h2026
    assert {date(2027, 3, 29), date(2027, 5, 6), date(2027, 5, 17)} <= french_holidays(2027)
    assert h2026 | french_holidays(2027) == FRENCH_HOLIDAYS


def test_a_year_outside_the_gregorian_calendar_is_refused() -> None:
    with pytest.raises(ValidationError, match="year"):
        easter_sunday(1500)


# ---------------------------------------------------------------- click-and-collect


def test_pickup_is_ready_after_the_pick_lead_within_opening_hours() -> None:
    ready = pickup_ready_at(NodeCalendar(), paris(2026, 6, 10, 10, 0))
    assert ready == paris(2026, 6, 10, 12, 0)
    assert ready.tzinfo is UTC


def test_picking_starts_at_opening_for_an_order_placed_before_opening() -> None:
    assert pickup_ready_at(NodeCalendar(), paris(2026, 6, 10, 7, 0)) == paris(2026, 6, 10, 11, 0)


def test_picking_left_at_closing_continues_at_the_next_opening() -> None:
    cal = NodeCalendar()
    assert pickup_ready_at(cal, paris(2026, 6, 10, 19, 0)) == paris(2026, 6, 11, 10, 0)
    assert pickup_ready_at(cal, paris(2026, 6, 10, 21, 0)) == paris(2026, 6, 11, 11, 0)
    # Saturday 19:30: 30 minutes on Saturday, the rest on Monday (closed on Sunday).
    assert pickup_ready_at(cal, paris(2026, 6, 13, 19, 30)) == paris(2026, 6, 15, 10, 30)


def test_picking_that_ends_at_closing_is_ready_at_the_next_opening() -> None:
    assert pickup_ready_at(NodeCalendar(), paris(2026, 6, 10, 18, 0)) == paris(2026, 6, 11, 9, 0)


def test_a_store_holiday_rolls_the_pickup_to_the_next_open_day() -> None:
    assert pickup_ready_at(FR_NODE, paris(2026, 4, 30, 21, 0)) == paris(2026, 5, 2, 11, 0)


def test_the_hold_ends_at_closing_of_the_hold_days_th_open_day_after_ready() -> None:
    ready = paris(2026, 6, 15, 11, 0)  # Monday
    assert pickup_expires_at(NodeCalendar(), ready) == paris(2026, 6, 23, 20, 0)
    short = NodeCalendar(hold_days=2, holidays=FRENCH_HOLIDAYS)
    assert pickup_expires_at(short, paris(2026, 4, 30, 11, 0)) == paris(2026, 5, 4, 20, 0)


def test_a_transfer_is_ready_the_morning_it_arrives_at_an_open_store() -> None:
    cal = NodeCalendar()
    assert transfer_ready_at(cal, date(2026, 6, 12), 1) == paris(2026, 6, 13, 11, 0)
    assert transfer_ready_at(cal, date(2026, 6, 13), 1) == paris(2026, 6, 15, 11, 0)
    assert transfer_ready_at(FR_NODE, date(2026, 4, 30), 2) == paris(2026, 5, 4, 11, 0)
    with pytest.raises(ValidationError, match="transit_days"):
        transfer_ready_at(cal, date(2026, 6, 12), 0)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"opens": time(20, 0), "closes": time(9, 0)}, "opens"),
        ({"cutoff": time(21, 0)}, "cutoff"),
        ({"cutoff": time(8, 0)}, "cutoff"),
        ({"open_days": frozenset()}, "open_days"),
        ({"open_days": frozenset({7})}, "open_days"),
        ({"processing_days": -1}, "processing_days"),
        ({"hold_days": 0}, "hold_days"),
        ({"pick_lead": timedelta(hours=-1)}, "pick_lead"),
    ],
)
def test_an_invalid_calendar_is_refused_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError, match=field) as info:
        NodeCalendar(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == "invalid_input"


def test_every_calendar_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as info:
        NodeCalendar(timezone="Nowhere/City", open_days=frozenset(), processing_days=-2)
    assert [p.split(":")[0] for p in info.value.problems] == [
        "timezone",
        "open_days",
        "processing_days",
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "overnight"}, "name"),
        ({"bands": ((600.0, 2), (200.0, 1))}, "bands"),
        ({"bands": ((200.0, 0),)}, "transit_days"),
        ({"farther_days": 0}, "transit_days"),
        ({"delivery_days": frozenset()}, "delivery_days"),
    ],
)
def test_an_invalid_carrier_service_is_refused_naming_the_field(
    kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"name": "standard", "bands": ((200.0, 1),), "farther_days": 2}
    with pytest.raises(ValidationError, match=field):
        CarrierService(**(args | kwargs))  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 11, 30), timezones=st.just(UTC)
)
calendars = st.builds(
    NodeCalendar,
    timezone=st.sampled_from(
        ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]
    ),
    cutoff=st.times(min_value=time(9, 1), max_value=time(20, 0)),
    processing_days=st.integers(0, 3),
    open_days=st.frozensets(st.integers(0, 6), min_size=1),
    holidays=st.just(FRENCH_HOLIDAYS),
    pick_lead=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=30)),
)


@given(
    cal=calendars,
    service=st.sampled_from([STANDARD, EXPRESS]),
    now=instants,
    km=st.floats(0.0, 3000.0),
)
def test_promised_dates_avoid_closed_days_sundays_and_holidays(
    cal: NodeCalendar, service: CarrierService, now: datetime, km: float
) -> None:
    got = promise_dates(cal, service, now, km, FRENCH_HOLIDAYS)
    assert cal.is_open(got.ship_date)
    assert got.ship_date >= now.astimezone(cal.zone).date()
    assert got.delivery_date.weekday() != SUNDAY
    assert got.delivery_date not in FRENCH_HOLIDAYS
    assert got.delivery_date >= got.ship_date + timedelta(days=1)
    between = (got.ship_date + timedelta(days=n) for n in range(1, 30))
    counted = [d for d in between if d <= got.delivery_date]
    counted = [d for d in counted if d.weekday() != SUNDAY and d not in FRENCH_HOLIDAYS]
    assert len(counted) == service.transit_days(km)


@given(cal=calendars, now=instants)
def test_pickups_are_ready_while_the_store_is_open_and_held_until_a_closing(
    cal: NodeCalendar, now: datetime
) -> None:
    ready = pickup_ready_at(cal, now)
    local = ready.astimezone(cal.zone)
    assert ready.tzinfo is UTC
    assert ready >= now + cal.pick_lead
    assert cal.is_open(local.date())
    assert cal.opens <= local.time() < cal.closes
    expires = pickup_expires_at(cal, ready).astimezone(cal.zone)
    assert expires > ready
    assert cal.is_open(expires.date())
    assert expires.time() == cal.closes
