"""The tracking vocabulary and the rule that gives a shipment's tracking status: entries in
the order they happened, a step back never counts, the stage reached only grows."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from oms.orders.tracking import (
    STAGE,
    TrackingEvent,
    TrackingSource,
    TrackingStatus,
    counting,
    in_order,
    tracking_status,
    tracking_url,
)

S = TrackingStatus
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
_ids = itertools.count(1)


def entry(status: TrackingStatus, hour: float) -> TrackingEvent:
    return TrackingEvent(
        id=next(_ids),
        shipment_id="SH-1",
        status=status,
        occurred_at=T0 + timedelta(hours=hour),
        source=TrackingSource.CARRIER,
    )


def test_the_vocabulary_is_the_one_integrators_know():
    assert {s.value for s in TrackingStatus} == {
        "label_created",
        "in_transit",
        "out_for_delivery",
        "attempted_delivery",
        "delayed",
        "ready_for_pickup",
        "picked_up",
        "delivered",
        "exception",
    }


def test_no_history_has_no_status():
    assert tracking_status([]) is None


def test_the_status_is_the_last_entry_in_time_whatever_order_they_arrived_in():
    arrived = [entry(S.OUT_FOR_DELIVERY, 5), entry(S.LABEL_CREATED, 0), entry(S.IN_TRANSIT, 2)]
    assert [e.status for e in in_order(arrived)] == [
        S.LABEL_CREATED,
        S.IN_TRANSIT,
        S.OUT_FOR_DELIVERY,
    ]
    assert tracking_status(arrived) is S.OUT_FOR_DELIVERY


def test_an_entry_that_steps_back_is_kept_but_does_not_count():
    history = [entry(S.OUT_FOR_DELIVERY, 5), entry(S.IN_TRANSIT, 6)]
    assert counting(history) == [True, False]
    assert tracking_status(history) is S.OUT_FOR_DELIVERY


def test_delays_and_exceptions_count_until_the_parcel_arrives():
    on_the_way = [entry(S.IN_TRANSIT, 1), entry(S.DELAYED, 2)]
    assert tracking_status(on_the_way) is S.DELAYED
    resumed = [*on_the_way, entry(S.IN_TRANSIT, 3)]
    assert tracking_status(resumed) is S.IN_TRANSIT
    arrived = [entry(S.DELIVERED, 4), entry(S.EXCEPTION, 5)]
    assert tracking_status(arrived) is S.DELIVERED


def test_a_failed_attempt_then_a_pickup_point_then_collection_moves_forward():
    history = [
        entry(S.OUT_FOR_DELIVERY, 1),
        entry(S.ATTEMPTED_DELIVERY, 2),
        entry(S.READY_FOR_PICKUP, 3),
        entry(S.PICKED_UP, 30),
    ]
    assert counting(history) == [True, True, True, True]
    assert tracking_status(history) is S.PICKED_UP


def test_a_transfer_delivered_to_the_pickup_store_is_then_ready_and_picked_up():
    history = [entry(S.IN_TRANSIT, 1), entry(S.DELIVERED, 20), entry(S.READY_FOR_PICKUP, 20.5)]
    assert tracking_status(history) is S.READY_FOR_PICKUP
    assert tracking_status([*history, entry(S.PICKED_UP, 40)]) is S.PICKED_UP


def _stage_reached(history: list[TrackingEvent]) -> int:
    staged = [
        STAGE[e.status]
        for e, ok in zip(in_order(history), counting(history), strict=True)
        if ok and e.status in STAGE
    ]
    return max(staged, default=-1)


@given(
    st.lists(
        st.tuples(st.sampled_from(list(TrackingStatus)), st.integers(0, 50)),
        min_size=1,
        max_size=12,
    )
)
def test_adding_entries_in_any_order_never_lowers_the_stage_reached(items):
    history: list[TrackingEvent] = []
    reached = -1
    for status, hour in items:
        history.append(entry(status, hour))
        now = _stage_reached(history)
        assert now >= reached
        reached = now
    # The stage reached is the highest stage of any entry, however they arrived.
    staged = [STAGE[e.status] for e in history if e.status in STAGE]
    assert reached == max(staged, default=-1)


def test_a_known_carriers_page_is_made_from_the_number_and_an_unknown_carrier_has_none():
    assert tracking_url("UPS", "1Z 99/9") == "https://www.ups.com/track?tracknum=1Z%2099%2F9"
    assert tracking_url("pigeon", "1") is None
    assert tracking_url("ups", None) is None
