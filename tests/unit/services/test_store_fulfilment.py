"""Shipping, pickup readiness, collection and expiry on the fake unit of work; the customer's
notifications come from the notifications context's handlers, through the real bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ConflictError, ForbiddenError
from oms.domain.events import Collected, PickupExpired, ReadyForPickup
from oms.orders.model import Order
from oms.promise.service import NetworkCache
from oms.stores.fulfilment import collect_order, deliver, expire_pickups, ship
from oms.stores.model import PickupSlot
from oms.stores.picks import confirm
from tests.unit.services.orders_world import (
    DC,
    MUG_PRICE,
    S1,
    S2,
    held,
    order,
    order_events,
    pickup_order,
    world,
)


def ready_pickup(uow, cache, qty: int = 2) -> Order:
    """A pickup order at ST-PARIS-1, picked in full there."""
    placed = pickup_order(uow, cache, [("MUG", qty)])
    [pick] = uow.picks.list_by(order_id=placed.id)
    [line] = uow.pick_lines.list_by(pick_id=pick.id)
    confirm(uow, pick.id, {line.order_line_id: line.qty})
    return uow.orders.get(placed.id)


def test_a_pickup_picked_at_its_store_is_ready_and_the_customer_is_told():
    uow, cache = world(), NetworkCache()
    ready = ready_pickup(uow, cache)
    assert ready.status.value == "ready_for_pickup" and ready.expires_at > ready.ready_at
    [event] = [e for e in uow.emitted if isinstance(e, ReadyForPickup)]
    [note] = uow.notifications.list_by(order_id=ready.id, kind="ready_for_pickup")
    assert (note.kind, note.channel) == ("ready_for_pickup", "email")
    assert ready.pickup_code is not None and len(ready.pickup_code) == 6
    assert note.payload["pickup_code"] == ready.pickup_code
    assert note.payload["expires_at"] == event.expires_at == ready.expires_at.isoformat()
    assert note.payload["store"]["id"] == event.store == S1


def test_collecting_commits_the_units_at_the_store():
    uow, cache = world(), NetworkCache()
    ready = ready_pickup(uow, cache)
    uow.emitted.clear()
    view = collect_order(uow, ready.id, S1)
    assert view.status == "collected" and [ln.status for ln in view.lines] == ["collected"]
    assert [s.status for s in view.shipments] == ["collected"]
    assert held(uow, S1, "MUG") == (1, 0)
    assert [type(e) for e in uow.emitted if e.aggregate == "order"] == [Collected]


def test_only_the_pickup_store_collects_and_only_a_pickup_order_is_collected():
    uow, cache = world(), NetworkCache()
    ready = ready_pickup(uow, cache)
    with pytest.raises(ForbiddenError):
        collect_order(uow, ready.id, S2)
    shipped = order(uow, cache, [("TEA", 1)], destination=(48.86, 2.35))
    with pytest.raises(ConflictError, match="shipped, not collected"):
        collect_order(uow, shipped.id, None)


def test_an_uncollected_pickup_expires_gives_the_units_back_refunds_and_frees_the_slot():
    uow, cache = world(), NetworkCache()
    ready = ready_pickup(uow, cache)
    slot = PickupSlot(
        id="SL-1",
        node_id=S1,
        starts_at=datetime.now(UTC),
        ends_at=datetime.now(UTC),
        capacity=1,
        booked=1,
    )
    uow.slots.add(slot)
    ready.slot_id = slot.id
    uow.emitted.clear()
    assert expire_pickups(uow, ready.expires_at - timedelta(seconds=1)) == 0
    assert expire_pickups(uow, ready.expires_at) == 1
    assert ready.status.value == "expired" and held(uow, S1, "MUG") == (3, 0)
    [event] = [e for e in uow.emitted if isinstance(e, PickupExpired)]
    assert event.released == [[S1, "MUG", 2]]
    assert event.refunds == [{"line": f"{ready.id}-1", "amount_minor": 2 * MUG_PRICE}]
    assert [r.amount_minor for r in uow.refunds.list_by(order_id=ready.id)] == [2 * MUG_PRICE]
    notes = uow.notifications.list_by(order_id=ready.id, order_by="id")
    assert notes[-1].kind == "pickup_expired" and notes[-1].payload["refunds"] == event.refunds
    assert slot.booked == 0


def test_a_shipment_from_the_dc_ships_then_is_delivered():
    uow, cache = world(store=0), NetworkCache()
    placed = order(uow, cache, [("MUG", 2)])
    [shipment] = placed.shipments
    view = ship(uow, shipment.id, "TR-1")
    assert view.status == "shipped" and held(uow, DC, "MUG") == (8, 0)
    assert deliver(uow, shipment.id).status == "delivered"
    assert order_events(uow) == ["Shipped", "Delivered"]


def test_a_store_shipment_ships_only_from_its_store_once_picked():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    [shipment] = placed.shipments
    with pytest.raises(ForbiddenError):
        ship(uow, shipment.id, "TR-1", store=S2)
    with pytest.raises(ConflictError, match="not picked yet"):
        ship(uow, shipment.id, "TR-1", store=S1)
