"""Customer notifications on the fakes: which events queue which message, to whom, in which
language, with what data; the public event that goes with each; the pickup code checked at
handover; the reminder pass."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oms.customers.model import Customer, Locale
from oms.domain.events import (
    Delivered,
    NotificationQueued,
    PickupReminded,
    Refunded,
    ReturnReceived,
    Sourced,
)
from oms.handlers import message_bus
from oms.notifications.model import Notification
from oms.notifications.reminders import remind_pickups
from oms.orders.model import Order
from oms.orders.service import cancel
from oms.promise.service import NetworkCache
from oms.returns.records import ReturnLine
from oms.stores.fulfilment import collect_order, deliver, ship
from oms.stores.picks import confirm
from oms.stores.pickup_codes import PickupCodeMismatch
from tests.fakes import FakeUnitOfWork
from tests.unit.services.orders_world import DC, MUG_PRICE, S1, TEA_PRICE, order, pickup_order
from tests.unit.services.orders_world import world as orders_world

WITHIN = timedelta(hours=24)


def world(default_locale: str = "en", store: int = 3) -> FakeUnitOfWork:
    uow = orders_world(store=store)
    uow.bus = message_bus(default_locale=default_locale)
    return uow


def notes(uow: FakeUnitOfWork, order_id: str, kind: str | None = None) -> list[Notification]:
    found = uow.notifications.list_by(order_id=order_id, order_by="id")
    return [n for n in found if kind is None or n.kind == kind]


def queued(uow: FakeUnitOfWork) -> list[NotificationQueued]:
    return [e for e in uow.emitted if isinstance(e, NotificationQueued)]


def contact(uow: FakeUnitOfWork, order_id: str, **given: object) -> Order:
    placed = uow.orders.get(order_id)
    for name, value in given.items():
        setattr(placed, name, value)
    return placed


def ready(uow: FakeUnitOfWork, cache: NetworkCache, **given: object) -> Order:
    """A pickup order at ST-PARIS-1 with the contact given, picked in full: ready."""
    placed = contact(uow, pickup_order(uow, cache, [("MUG", 1)]).id, **given)
    [pick] = uow.picks.list_by(order_id=placed.id)
    [line] = uow.pick_lines.list_by(pick_id=pick.id)
    confirm(uow, pick.id, {line.order_line_id: line.qty})
    return placed


def test_a_placed_order_is_confirmed_to_its_customer_in_their_language_with_its_items():
    uow, cache = world(), NetworkCache()
    uow.customers.add(Customer(id="cus_1", email="zoe@example.fr", locale=Locale.FR))
    placed = order(uow, cache, [("MUG", 2), ("TEA", 1)])
    contact(uow, placed.id, email="zoe@example.fr", customer_id="cus_1", customer_name="Zoé")
    uow.emit(Sourced(order_id=placed.id, allocations=[]))
    [note] = notes(uow, placed.id, "order_confirmed")[-1:]
    assert (note.recipient, note.locale, note.status) == ("zoe@example.fr", "fr", "pending")
    assert note.next_attempt_at == note.created_at  # due at once
    assert [(i["name"], i["qty"]) for i in note.payload["lines"]] == [("Mug", 2), ("Tea", 1)]
    assert note.payload["total_minor"] == 2 * MUG_PRICE + TEA_PRICE
    assert note.payload["customer_name"] == "Zoé" and note.payload["order_id"] == placed.id
    [event] = queued(uow)
    assert (event.notification, event.kind, event.recipient) == (
        note.key,
        "order_confirmed",
        "zoe@example.fr",
    )
    assert (event.locale, event.status, event.data) == ("fr", "pending", note.payload)


@pytest.mark.parametrize(
    ("order_locale", "customer_locale", "default", "expected"),
    [
        ("fr-FR", Locale.EN, "en", "fr"),  # the order's own language first
        (None, Locale.FR, "en", "fr"),  # else the customer's
        ("de", None, "fr", "fr"),  # no templates in German: the default
        (None, None, "en", "en"),
    ],
)
def test_the_language_is_the_orders_else_the_customers_else_the_default(
    order_locale, customer_locale, default, expected
):
    uow, cache = world(default), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    customer_id = None
    if customer_locale is not None:
        uow.customers.add(Customer(id="cus_1", email="a@example.com", locale=customer_locale))
        customer_id = "cus_1"
    contact(uow, placed.id, email="a@example.com", locale=order_locale, customer_id=customer_id)
    uow.emit(Delivered(order_id=placed.id, shipment=_shipment_of(uow, placed.id)))
    assert [n.locale for n in notes(uow, placed.id, "delivered")] == [expected]


def test_an_order_without_an_email_is_recorded_skipped_and_still_published():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    uow.emit(Delivered(order_id=placed.id, shipment=_shipment_of(uow, placed.id)))
    [note] = notes(uow, placed.id, "delivered")
    assert (note.status, note.last_error, note.recipient) == ("skipped", "no_recipient", None)
    assert note.next_attempt_at is None
    [event] = queued(uow)
    assert (event.status, event.kind, event.notification) == ("skipped", "delivered", note.key)


def test_each_ready_pickup_gets_a_six_digit_code_in_its_message():
    uow, cache = world(), NetworkCache()
    first = ready(uow, cache, email="a@example.com")
    second = ready(uow, cache, email="b@example.com")
    for placed in (first, second):
        assert placed.pickup_code is not None and placed.pickup_code.isdigit()
        assert len(placed.pickup_code) == 6
        [note] = notes(uow, placed.id, "ready_for_pickup")
        assert note.payload["pickup_code"] == placed.pickup_code
        assert note.payload["expires_at"] == placed.expires_at.isoformat()
        assert note.payload["store"]["id"] == S1


def test_a_wrong_pickup_code_collects_nothing_and_the_right_one_collects():
    uow, cache = world(), NetworkCache()
    placed = ready(uow, cache, email="a@example.com")
    wrong = "000000" if placed.pickup_code != "000000" else "111111"
    uow.emitted.clear()
    with pytest.raises(PickupCodeMismatch) as refused:
        collect_order(uow, placed.id, S1, pickup_code=wrong)
    assert refused.value.code == "pickup_code_mismatch" and "pickup_code" in refused.value.detail
    assert placed.status.value == "ready_for_pickup" and uow.emitted == []
    view = collect_order(uow, placed.id, S1, pickup_code=f" {placed.pickup_code} ")
    assert view.status == "collected"


def test_a_collect_without_a_code_is_collected_as_before():
    uow, cache = world(), NetworkCache()
    placed = ready(uow, cache)
    assert collect_order(uow, placed.id, S1).status == "collected"


def test_a_parcel_shipped_and_delivered_tells_the_customer_its_tracking_number():
    uow, cache = world(store=0), NetworkCache()
    placed = contact(uow, order(uow, cache, [("MUG", 1)]).id, email="a@example.com")
    [shipment] = uow.shipments.list_by(order_id=placed.id)
    assert shipment.node_id == DC
    ship(uow, shipment.id, "TRK-42")
    deliver(uow, shipment.id)
    kinds = [n.kind for n in notes(uow, placed.id)]
    assert kinds[-2:] == ["shipped", "delivered"]
    [shipped] = notes(uow, placed.id, "shipped")
    assert (shipped.payload["tracking"], shipped.payload["shipment"]) == ("TRK-42", shipment.id)


def test_a_pickup_order_transferred_to_its_store_is_not_told_of_the_transfer():
    uow, cache = world(store=0), NetworkCache()
    placed = contact(uow, pickup_order(uow, cache, [("MUG", 1)]).id, email="a@example.com")
    [transfer] = uow.shipments.list_by(order_id=placed.id)
    assert transfer.node_id == DC
    ship(uow, transfer.id, "TRANSFER-1")
    deliver(uow, transfer.id)
    assert [n.kind for n in notes(uow, placed.id)][1:] == ["ready_for_pickup"]


def test_cancelling_some_lines_then_the_rest_tells_each_with_the_items_cancelled():
    uow, cache = world(), NetworkCache()
    placed = contact(uow, order(uow, cache, [("MUG", 2), ("TEA", 1)]).id, email="a@example.com")
    cancel(uow, placed.id, [f"{placed.id}-2"])
    cancel(uow, placed.id, None)
    [some] = notes(uow, placed.id, "lines_cancelled")
    [rest] = notes(uow, placed.id, "order_cancelled")
    assert [i["name"] for i in some.payload["lines"]] == ["Tea"]
    assert [i["name"] for i in rest.payload["lines"]] == ["Mug"]


def test_a_return_received_then_refunded_tells_the_customer_both():
    uow, cache = world(), NetworkCache()
    placed = contact(uow, order(uow, cache, [("MUG", 2)]).id, email="a@example.com")
    line = f"{placed.id}-1"
    uow.return_lines.add(ReturnLine(return_id="RMA-1", order_line_id=line, sku_id="MUG", qty=1))
    uow.emit(
        ReturnReceived(order_id=placed.id, return_id="RMA-1", status="received", lines={line: "x"})
    )
    refund = Refunded(
        order_id=placed.id,
        return_id="RMA-1",
        status="refunded",
        amount_minor=MUG_PRICE + 499,
        shipping_minor=499,
    )
    uow.emit(refund)
    [received] = notes(uow, placed.id, "return_received")
    assert received.payload["lines"] == [{"sku": "MUG", "name": "Mug", "qty": 1}]
    [refunded] = notes(uow, placed.id, "refund_issued")
    assert (refunded.payload["amount_minor"], refunded.payload["shipping_minor"]) == (
        MUG_PRICE + 499,
        499,
    )
    assert refunded.payload["reason"] == "return" and refunded.payload["return_id"] == "RMA-1"


def test_a_ready_pickup_is_reminded_once_within_the_window_before_its_hold_ends():
    uow, cache = world(), NetworkCache()
    placed = ready(uow, cache, email="a@example.com")
    assert placed.expires_at is not None and placed.ready_at is not None
    placed.ready_at = placed.expires_at - timedelta(days=3)  # a hold of three days
    early = placed.expires_at - WITHIN - timedelta(minutes=1)
    assert remind_pickups(uow, early, WITHIN) == 0 and placed.reminded_at is None
    uow.emitted.clear()
    inside = placed.expires_at - WITHIN + timedelta(minutes=1)
    assert remind_pickups(uow, inside, WITHIN) == 1
    assert placed.reminded_at == inside
    [event] = [e for e in uow.emitted if isinstance(e, PickupReminded)]
    assert (event.store, event.expires_at) == (S1, placed.expires_at.isoformat())
    [note] = notes(uow, placed.id, "pickup_reminder")
    assert note.payload["pickup_code"] == placed.pickup_code
    assert remind_pickups(uow, inside + timedelta(hours=1), WITHIN) == 0  # once


def test_a_pickup_ready_already_inside_the_window_is_not_reminded_again():
    uow, cache = world(), NetworkCache()
    placed = ready(uow, cache, email="a@example.com")
    assert placed.expires_at is not None
    placed.ready_at = placed.expires_at - timedelta(hours=2)  # its ready message said it all
    now = placed.expires_at - timedelta(hours=1)
    assert remind_pickups(uow, now, WITHIN) == 0
    assert placed.reminded_at == now and notes(uow, placed.id, "pickup_reminder") == []
    assert remind_pickups(uow, now, WITHIN) == 0


def test_an_expired_or_collected_pickup_is_not_reminded():
    uow, cache = world(), NetworkCache()
    collected = ready(uow, cache, email="a@example.com")
    collect_order(uow, collected.id, S1)
    late = ready(uow, cache, email="b@example.com")
    assert late.expires_at is not None
    assert remind_pickups(uow, late.expires_at + timedelta(minutes=1), WITHIN) == 0
    assert uow.notifications.list_by(kind="pickup_reminder") == []
    assert collected.reminded_at is None and late.reminded_at is None


def _shipment_of(uow, order_id: str) -> str:
    [shipment] = uow.shipments.list_by(order_id=order_id)
    return shipment.id
