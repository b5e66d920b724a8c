"""Tracking on the fake unit of work: the OMS's own entries through the real bus, carrier
events appended once per id, a carrier's delivery through the one delivery path, refusals
that change nothing, and the customer's lookup that needs the order's own e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ForbiddenError, ValidationError
from oms.orders.model import ShipmentStatus
from oms.promise.service import NetworkCache
from oms.stores.customer_tracking import look_up
from oms.stores.fulfilment import deliver, ship
from oms.stores.tracking import CarrierEvent, record_carrier_events, shipment_tracking
from tests.unit.services.orders_world import DC, S1, S2, order, order_events, world


def now() -> datetime:
    return datetime.now(UTC)


def shipped(uow, cache, **kw):
    placed = order(uow, cache, [("MUG", 2)])
    [shipment] = placed.shipments
    ship(uow, shipment.id, "6A1", **kw)
    uow.emitted.clear()
    return placed, shipment.id


def statuses(uow, shipment_id: str) -> list[tuple[str, str]]:
    return [(e.status, e.source) for e in shipment_tracking(uow, shipment_id).history]


def test_shipping_with_a_known_carrier_records_in_transit_and_the_carriers_page():
    uow, cache = world(store=0), NetworkCache()
    _, sid = shipped(uow, cache, carrier="ups")
    view = shipment_tracking(uow, sid)
    assert statuses(uow, sid) == [("in_transit", "oms")]
    assert view.carrier == "ups" and view.tracking_url == "https://www.ups.com/track?tracknum=6A1"
    assert view.history[0].location == DC


def test_a_carrier_event_is_appended_once_per_id_and_announced_once():
    uow, cache = world(store=0), NetworkCache()
    _, sid = shipped(uow, cache)
    sent = CarrierEvent("out_for_delivery", now(), carrier_event_id="c-1", location="Paris")
    first = record_carrier_events(uow, sid, [sent, sent])
    assert [e.created for e in first.events] == [True, False]
    assert first.events[0].event.id == first.events[1].event.id
    again = record_carrier_events(uow, sid, [sent])
    assert again.created == 0 and len(again.shipment.history) == 2
    assert [e.name for e in uow.emitted] == ["ShipmentTracked"]
    assert uow.emitted[0].tracking_status == "out_for_delivery"


def test_a_carrier_delivery_delivers_the_order_without_a_second_delivered_entry():
    uow, cache = world(store=0), NetworkCache()
    placed, sid = shipped(uow, cache)
    done = record_carrier_events(uow, sid, [CarrierEvent("delivered", now(), "d-1")])
    assert order_events(uow) == ["ShipmentTracked", "Delivered"]
    assert uow.orders.get(placed.id).status == "delivered"
    assert [(e.status, e.source) for e in done.shipment.history] == [
        ("in_transit", "oms"),
        ("delivered", "carrier"),
    ]


def test_a_carrier_delivery_before_the_oms_shipped_it_is_history_only():
    uow, cache = world(store=0), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    [shipment] = placed.shipments
    record_carrier_events(uow, shipment.id, [CarrierEvent("delivered", now())])
    assert uow.shipments.get(shipment.id).status is ShipmentStatus.CREATED
    assert "Delivered" not in order_events(uow)


def test_the_deliver_command_writes_the_oms_delivered_entry():
    uow, cache = world(store=0), NetworkCache()
    _, sid = shipped(uow, cache)
    deliver(uow, sid)
    assert statuses(uow, sid) == [("in_transit", "oms"), ("delivered", "oms")]


def test_bad_events_are_all_named_and_nothing_is_kept():
    uow, cache = world(store=0), NetworkCache()
    _, sid = shipped(uow, cache)
    naive = datetime(2026, 12, 1, 9, 0)
    bad = [CarrierEvent("lost", now()), CarrierEvent("in_transit", naive)]
    with pytest.raises(ValidationError) as refused:
        record_carrier_events(uow, sid, [*bad, CarrierEvent("delayed", now() + timedelta(days=1))])
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "events[0].status",
        "events[1].occurred_at",
        "events[2].occurred_at",
    ]
    assert statuses(uow, sid) == [("in_transit", "oms")] and uow.emitted == []


def test_a_store_key_appends_only_to_its_own_stores_shipments():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    [shipment] = placed.shipments
    assert shipment.node == S1
    with pytest.raises(ForbiddenError):
        record_carrier_events(uow, shipment.id, [CarrierEvent("label_created", now())], store=S2)
    with pytest.raises(ForbiddenError):
        shipment_tracking(uow, shipment.id, store=S2)
    record_carrier_events(uow, shipment.id, [CarrierEvent("label_created", now())], store=S1)
    assert shipment_tracking(uow, shipment.id, store=S1).tracking_status == "label_created"


def test_the_customers_lookup_needs_the_orders_own_email():
    uow, cache = world(store=0), NetworkCache()
    placed, _ = shipped(uow, cache)
    uow.orders.get(placed.id).email = "ada@example.org"
    found = look_up(uow, placed.id, "  ADA@example.org ")
    assert found is not None and found.status == "shipped" and found.on_its_way
    assert [s.tracking_status for s in found.shipments] == ["in_transit"]
    assert look_up(uow, placed.id, "bob@example.org") is None
    assert look_up(uow, "NO-SUCH", "ada@example.org") is None
    uow.orders.get(placed.id).email = None
    assert look_up(uow, placed.id, "") is None
