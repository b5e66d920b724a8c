"""The reservation service on the fake unit of work: holds, refusals, idempotency keys, slots,
release and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ConflictError, ValidationError
from oms.domain.events import ReservationExpired, ReservationReleased, Reserved
from oms.inventory.errors import UnknownSku
from oms.orders.idempotency import KeyReused, RequestKey
from oms.orders.model import ReservationStatus
from oms.orders.reservations import (
    StockShortfall,
    expire_due,
    release_reservation,
    reserve_held,
    show_reservation,
)
from oms.orders.slot_booking import SlotFull
from oms.promise.service import NetworkCache
from oms.stores.model import PickupSlot
from tests.unit.services.orders_world import (
    DC,
    S1,
    S2,
    held,
    pickup_request,
    ship_request,
    world,
)

NOW = datetime.now(UTC)


def slot_at(uow, store: str, capacity: int = 1) -> str:
    uow.slots.add(
        PickupSlot(
            id="SL-1",
            node_id=store,
            starts_at=NOW + timedelta(days=1),
            ends_at=NOW + timedelta(days=1, hours=2),
            capacity=capacity,
        )
    )
    return "SL-1"


def test_reserving_holds_the_stock_and_raises_reserved():
    uow = world(store=0)
    got = reserve_held(uow, NetworkCache(), ship_request([("MUG", 2)]), key=None)
    assert got.created and got.reservation.status is ReservationStatus.ACTIVE
    assert got.lines == [("MUG", DC, 2)]
    assert held(uow, DC, "MUG") == (10, 2)
    [event] = [e for e in uow.emitted if isinstance(e, Reserved)]
    assert event.reservation_id == got.reservation.id and event.rows == [[DC, "MUG", 2]]
    assert uow.committed == 1


def test_a_cart_the_stock_cannot_cover_holds_nothing_and_names_each_short_sku():
    uow = world(dc=1, store=0)
    with pytest.raises(StockShortfall) as refused:
        reserve_held(uow, NetworkCache(), ship_request([("MUG", 2), ("TEA", 1)]), key=None)
    assert refused.value.short == [("MUG", 2, 1)]
    assert held(uow, DC, "MUG") == (1, 0) and held(uow, DC, "TEA") == (1, 0)
    assert uow.committed == 0


def test_an_unknown_sku_or_a_bad_ttl_is_refused_before_any_hold():
    uow = world()
    with pytest.raises(UnknownSku):
        reserve_held(uow, NetworkCache(), ship_request([("NOPE", 1)]), key=None)
    with pytest.raises(ValidationError, match="ttl_seconds"):
        reserve_held(uow, NetworkCache(), ship_request([("MUG", 1)], ttl=0), key=None)
    assert uow.emitted == []


def test_the_same_key_and_body_replays_the_reservation_and_another_body_is_refused():
    uow, cache, key = world(), NetworkCache(), RequestKey("api-key-1", "k-1")
    first = reserve_held(uow, cache, ship_request([("MUG", 1)]), key=key)
    again = reserve_held(uow, cache, ship_request([("MUG", 1)]), key=key)
    assert not again.created and again.reservation is first.reservation
    assert again.lines == first.lines
    assert held(uow, DC, "MUG")[1] + held(uow, S1, "MUG")[1] == 1  # held once
    with pytest.raises(KeyReused):
        reserve_held(uow, cache, ship_request([("MUG", 2)]), key=key)


def test_releasing_gives_the_units_back_once():
    uow, cache = world(store=0), NetworkCache()
    rid = reserve_held(uow, cache, ship_request([("MUG", 2)]), key=None).reservation.id
    view = release_reservation(uow, rid)
    assert view.reservation.status is ReservationStatus.RELEASED
    assert held(uow, DC, "MUG") == (10, 0)
    assert isinstance(uow.emitted[-1], ReservationReleased)
    assert uow.emitted[-1].rows == [[DC, "MUG", 2]]
    with pytest.raises(ConflictError, match="released"):
        release_reservation(uow, rid)


def test_the_sweep_expires_what_is_due_and_a_read_expires_lazily():
    uow, cache = world(store=0), NetworkCache()
    now = datetime.now(UTC)
    short = reserve_held(uow, cache, ship_request([("MUG", 1)], ttl=60), key=None, now=now)
    long = reserve_held(uow, cache, ship_request([("TEA", 1)], ttl=600), key=None, now=now)
    assert expire_due(uow, now + timedelta(seconds=59)) == 0
    assert expire_due(uow, now + timedelta(seconds=120)) == 1
    assert short.reservation.status is ReservationStatus.EXPIRED
    assert isinstance(uow.emitted[-1], ReservationExpired)
    assert held(uow, DC, "MUG") == (10, 0) and held(uow, DC, "TEA") == (10, 1)
    long.reservation.expires_at = now - timedelta(seconds=1)
    assert show_reservation(uow, long.reservation.id).reservation.status.value == "expired"
    assert held(uow, DC, "TEA") == (10, 0)


def test_a_pickup_reservation_books_its_slot_and_gives_the_place_back_on_release():
    uow, cache = world(), NetworkCache()
    slot = slot_at(uow, S1, capacity=1)
    rid = reserve_held(uow, cache, pickup_request([("MUG", 1)], slot_id=slot), key=None)
    assert uow.slots.get(slot).booked == 1
    with pytest.raises(SlotFull):
        reserve_held(uow, cache, pickup_request([("TEA", 1)], slot_id=slot), key=None)
    release_reservation(uow, rid.reservation.id)
    assert uow.slots.get(slot).booked == 0


def test_a_slot_at_another_store_is_refused_before_any_hold():
    uow, cache = world(), NetworkCache()
    slot = slot_at(uow, S2)
    with pytest.raises(ValidationError, match="is at ST-PARIS-2"):
        reserve_held(uow, cache, pickup_request([("MUG", 1)], slot_id=slot), key=None)
    assert uow.slots.get(slot).booked == 0 and held(uow, S1, "MUG") == (3, 0)
