"""The one promise-date rule: own store, transfer and ship legs, the service's carrier, and one
rounding (pick-ready from the end of the order's minute)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.domain.errors import ValidationError
from oms.promise import FRENCH_HOLIDAYS, NodeCalendar, pickup_ready_at, promise_dates
from oms.promise.carriers import EXPRESS as EXPRESS_CARRIER
from oms.promise.carriers import STANDARD as STANDARD_CARRIER
from oms.promise.choice import DeliveryService
from oms.promise.rule import Promised, PromiseDates
from tests.unit.test_promise_dates import calendars, instants

PARIS = ZoneInfo("Europe/Paris")
COLLECT, STANDARD, EXPRESS = (
    DeliveryService.CLICK_AND_COLLECT,
    DeliveryService.STANDARD,
    DeliveryService.EXPRESS,
)
CALENDARS = {"DC": NodeCalendar(), "STORE": NodeCalendar()}  # 09:00-20:00, cut-off 14:00


def paris(d: int, hh: int, mm: int = 0, ss: float = 0.0) -> datetime:
    """June 2026 in Paris (the 10th is a Wednesday)."""
    return datetime(2026, 6, d, hh, mm, tzinfo=PARIS) + timedelta(seconds=ss)


def rule(now: datetime) -> PromiseDates[str]:
    return PromiseDates(CALENDARS.__getitem__, now)


def test_own_store_is_ready_the_pick_lead_after_the_end_of_the_order_minute():
    got = rule(paris(10, 10, 0, 30)).shipment("STORE", COLLECT, km=0.0, pickup_store="STORE")
    assert got == Promised(date(2026, 6, 10), paris(10, 12, 1))
    assert got.at == paris(10, 12, 1) and got.at.tzinfo is UTC


def test_pick_ready_is_rounded_up_to_the_minute_the_same_for_every_instant_in_it():
    ready = {
        rule(paris(10, 10, 0, s)).shipment("STORE", COLLECT, km=0, pickup_store="STORE").at
        for s in (0.0, 0.001, 29.5, 59.999)
    }
    assert ready == {paris(10, 12, 1)}
    store = CALENDARS["STORE"]
    for second in range(0, 180, 7):
        now = paris(10, 10, 58, second)
        exact = pickup_ready_at(store, now)
        got = rule(now).pick_ready("STORE")
        assert exact <= got <= exact + timedelta(minutes=1)  # never early, at most a minute late
        end_of_minute = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
        assert got == pickup_ready_at(store, end_of_minute)


def test_an_order_whose_rounded_pick_ends_at_closing_is_ready_at_the_next_opening():
    # Placed at 17:59:30, counted from 18:00: two hours end at the 20:00 closing.
    got = rule(paris(10, 17, 59, 30)).shipment("STORE", COLLECT, km=0, pickup_store="STORE")
    assert got == Promised(date(2026, 6, 11), paris(11, 9))


def test_a_transfer_ships_at_the_source_travels_standard_and_is_picked_from_opening():
    # Wednesday before the cut-off: leaves the DC today, 300 km is 2 standard days (express
    # would take 1: a transfer does not), ready at Friday's opening plus the 2 h pick.
    got = rule(paris(10, 10)).shipment("DC", COLLECT, km=300.0, pickup_store="STORE")
    assert got == Promised(date(2026, 6, 12), paris(12, 11))
    after_cutoff = rule(paris(10, 15)).shipment("DC", COLLECT, km=300.0, pickup_store="STORE")
    assert after_cutoff == Promised(date(2026, 6, 13), paris(13, 11))  # leaves Thursday


def test_a_ship_leg_is_the_ship_date_plus_the_chosen_services_transit():
    before, after = rule(paris(10, 13, 59, 59)), rule(paris(10, 14, 0))
    assert before.shipment("DC", STANDARD, km=390.0) == Promised(date(2026, 6, 12))
    assert before.shipment("DC", EXPRESS, km=390.0) == Promised(date(2026, 6, 11))
    assert after.shipment("DC", STANDARD, km=390.0) == Promised(date(2026, 6, 13))
    assert after.shipment("DC", EXPRESS, km=390.0) == Promised(date(2026, 6, 12))
    # Near the customer both services take one day: express is no faster.
    assert before.shipment("DC", EXPRESS, km=50.0) == before.shipment("DC", STANDARD, km=50.0)


def test_a_delivery_date_is_recorded_as_that_day_at_midnight_utc():
    got = rule(paris(10, 10)).shipment("DC", EXPRESS, km=390.0)
    assert got.ready_at is None and got.at == datetime.combine(date(2026, 6, 11), time(0), UTC)


def test_a_saturday_express_after_cutoff_leaves_monday_and_arrives_tuesday():
    assert rule(paris(13, 15)).shipment("DC", EXPRESS, km=390.0).day == date(2026, 6, 16)


def test_a_leg_that_does_not_fit_its_service_is_refused_naming_the_field():
    book = rule(paris(10, 10))
    with pytest.raises(ValidationError, match="pickup_store"):
        book.shipment("DC", COLLECT, km=10.0)
    with pytest.raises(ValidationError, match="pickup_store"):
        book.shipment("DC", EXPRESS, km=10.0, pickup_store="STORE")


def test_answers_are_worked_out_once_per_minute():
    calls: list[str] = []

    def calendar(node: str) -> NodeCalendar:
        calls.append(node)
        return CALENDARS[node]

    book = PromiseDates(calendar, paris(10, 10))
    for _ in range(3):
        book.shipment("DC", STANDARD, km=390.0)
        book.shipment("STORE", COLLECT, km=0.0, pickup_store="STORE")
    assert calls.count("DC") == 1


@given(
    cal=calendars.map(lambda c: replace(c, cutoff=c.cutoff.replace(second=0, microsecond=0))),
    now=instants,
    km=st.floats(0.0, 3000.0),
    express=st.booleans(),
)
def test_the_ship_leg_is_the_carriers_promise_for_the_orders_minute(
    cal: NodeCalendar, now: datetime, km: float, express: bool
) -> None:
    service, carrier = (EXPRESS, EXPRESS_CARRIER) if express else (STANDARD, STANDARD_CARRIER)
    got = PromiseDates(lambda _: cal, now).shipment("N", service, km=km)
    assert got.day == promise_dates(cal, carrier, now, km, FRENCH_HOLIDAYS).delivery_date
