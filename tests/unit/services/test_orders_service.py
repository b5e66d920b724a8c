"""The orders service on the fake unit of work: placing an order (from a reservation or from
lines), who may order what, cancelling; the stores' reactions run through the real bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ConflictError, ForbiddenError, ValidationError
from oms.domain.events import LinesCancelled, OrderCancelled, Sourced
from oms.orders.lifecycle import IllegalTransition, OrderStatus
from oms.orders.model import OrderLineStatus, ReservationStatus
from oms.orders.reservations import reserve_held
from oms.orders.service import (
    OrderForm,
    OrderRequest,
    cancel,
    create_order,
    place_order,
    read_order,
)
from oms.promise.service import NetworkCache
from oms.stores.model import PickStatus, PickupSlot
from tests.unit.services.orders_world import (
    DC,
    MUG_PRICE,
    S1,
    S2,
    held,
    open_picks,
    order,
    order_events,
    pickup_order,
    pickup_request,
    ship_request,
    world,
)


def test_an_order_from_a_reservation_allocates_its_units_and_releases_picks_at_the_store():
    uow, cache = world(dc=0, store=3), NetworkCache()
    res = reserve_held(uow, cache, ship_request([("MUG", 2)]), key=None).reservation
    uow.emitted.clear()
    view, created = create_order(uow, cache, OrderForm(reservation_id=res.id), key=None)
    assert created and view.status == "allocated" and view.reservation_id == res.id
    [line] = view.lines
    assert (line.sku, line.qty, line.price_minor) == ("MUG", 2, MUG_PRICE)
    assert [(a.node, a.qty) for a in line.allocations] == [(S1, 2)]
    assert res.status is ReservationStatus.CONVERTED
    assert held(uow, S1, "MUG") == (3, 2)  # the reservation's units, now the order's
    [pick] = open_picks(uow, view.id)
    assert pick.node_id == S1 and [p.id for p in view.picks] == [pick.id]
    assert order_events(uow) == ["OrderCreated", "Sourced", "PickReleased"]
    assert uow.committed == 2  # the reservation's, then the order's


def test_an_order_from_lines_is_reserved_and_converted_in_one_transaction():
    uow, cache = world(store=0), NetworkCache()
    view, created = create_order(
        uow, cache, OrderForm(lines=[("MUG", 1), ("TEA", 2)], destination=(48.86, 2.35)), key=None
    )
    assert created and [ln.sku for ln in view.lines] == ["MUG", "TEA"]
    assert [s.node for s in view.shipments] == [DC] and view.picks == []  # no pick at a DC
    assert view.promise is not None and "delivery_date" in view.promise
    assert [e.type for e in view.events] == ["OrderCreated", "Sourced", "NotificationQueued"]
    [sourced] = [e for e in uow.emitted if isinstance(e, Sourced)]
    assert sourced.allocations == [["MUG", DC, 1], ["TEA", DC, 2]]
    assert uow.committed == 1


def test_placing_an_order_leaves_the_commit_to_the_caller():
    uow, cache = world(store=0), NetworkCache()
    placed, created = place_order(uow, cache, OrderRequest(None, ship_request([("MUG", 1)])))
    assert created and placed.status is OrderStatus.ALLOCATED and uow.committed == 0


def test_the_same_key_replays_the_order():
    uow, cache = world(), NetworkCache()
    form = OrderForm(lines=[("MUG", 1)], destination=(48.86, 2.35))
    first, _ = create_order(uow, cache, form, key="k-1")
    again, created = create_order(uow, cache, form, key="k-1")
    assert not created and again.id == first.id and len(uow.orders.rows) == 1


def test_a_store_key_orders_as_the_store_and_for_a_pickup_at_its_own_store_only():
    uow, cache = world(), NetworkCache()
    form = OrderForm(lines=[("MUG", 1)], method="pickup", pickup_node=S1)
    view, _ = create_order(uow, cache, form, key=None, store=S1)
    assert view.channel == "store" and view.pickup_node == S1
    with pytest.raises(ForbiddenError, match="bound to ST-PARIS-2, not ST-PARIS-1"):
        create_order(uow, cache, form, key=None, store=S2)
    by_option = OrderForm(lines=[("MUG", 1)], option_id=f"pickup:{S1}")
    with pytest.raises(ForbiddenError):
        create_order(uow, cache, by_option, key=None, store=S2)


def test_a_discount_beyond_the_lines_is_refused_and_nothing_is_kept():
    uow, cache = world(), NetworkCache()
    form = OrderForm(lines=[("MUG", 1)], destination=(48.86, 2.35), discount_minor=MUG_PRICE + 1)
    with pytest.raises(ValidationError, match="discount_minor"):
        create_order(uow, cache, form, key=None)
    assert uow.committed == 0


def test_an_order_from_an_ended_reservation_is_refused():
    uow, cache = world(), NetworkCache()
    res = reserve_held(uow, cache, ship_request([("MUG", 1)]), key=None).reservation
    res.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with pytest.raises(ConflictError, match="expired"):
        create_order(uow, cache, OrderForm(reservation_id=res.id), key=None)


def test_cancelling_an_order_releases_its_units_cancels_its_picks_and_frees_its_slot():
    uow, cache = world(), NetworkCache()
    slot = PickupSlot(
        id="SL-1",
        node_id=S1,
        starts_at=datetime.now(UTC),
        ends_at=datetime.now(UTC) + timedelta(hours=2),
        capacity=2,
    )
    uow.slots.add(slot)
    res = reserve_held(uow, cache, pickup_request([("MUG", 2)], slot_id="SL-1"), key=None)
    placed, _ = create_order(uow, cache, OrderForm(reservation_id=res.reservation.id), key=None)
    [pick] = open_picks(uow, placed.id)
    uow.emitted.clear()
    view = cancel(uow, placed.id, None)
    assert view.status == "cancelled" and [s.status for s in view.shipments] == ["cancelled"]
    assert held(uow, S1, "MUG") == (3, 0)
    assert pick.status is PickStatus.CANCELLED and slot.booked == 0
    [event] = [e for e in uow.emitted if isinstance(e, OrderCancelled)]
    assert event.released == [[S1, "MUG", 2]]


def test_cancelling_some_lines_withdraws_them_from_the_pick_and_keeps_the_rest():
    uow, cache = world(), NetworkCache()
    placed = pickup_order(uow, cache, [("MUG", 1), ("TEA", 1)])
    mug, tea = (ln.id for ln in placed.lines)
    [pick] = open_picks(uow, placed.id)
    view = cancel(uow, placed.id, [mug])
    assert view.status == "allocated"
    assert [ln.status for ln in view.lines] == ["cancelled", "allocated"]
    assert [ln.order_line_id for ln in uow.pick_lines.list_by(pick_id=pick.id)] == [tea]
    assert pick.status is PickStatus.OPEN
    assert [type(e) for e in uow.emitted if isinstance(e, LinesCancelled)] == [LinesCancelled]
    assert held(uow, S1, "MUG") == (3, 0) and held(uow, S1, "TEA") == (3, 1)


def test_cancelling_an_unknown_line_or_a_shipped_order_is_refused():
    uow, cache = world(store=0), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    with pytest.raises(ValidationError, match='"nope" is not a line'):
        cancel(uow, placed.id, ["nope"])
    uow.orders.get(placed.id).status = OrderStatus.SHIPPED
    with pytest.raises(IllegalTransition):
        cancel(uow, placed.id, None)
    assert uow.order_lines.list_by(order_id=placed.id)[0].status is OrderLineStatus.ALLOCATED


def test_a_store_key_reads_only_the_orders_that_involve_its_store():
    uow, cache = world(), NetworkCache()
    placed = pickup_order(uow, cache, [("MUG", 1)])
    assert read_order(uow, placed.id, S1).id == placed.id
    with pytest.raises(ForbiddenError):
        read_order(uow, placed.id, S2)
