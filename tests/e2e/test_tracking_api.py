"""Shipment tracking over HTTP: the OMS's own entries, carrier events appended idempotently and
kept in the order they happened, a carrier's delivery delivering the order, refusals that name
the field and change nothing, and store keys kept to their own shipments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.stores_fixture import build


def at(minutes: float) -> str:
    """``minutes`` from now: before the shipment left (< 0), or after it within the clock skew
    the service allows a carrier (up to 15 minutes ahead)."""
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def shipped_from_the_dc(api) -> tuple[Any, dict[str, Any], str]:
    st = build(api, store_stock=0)
    order = st.order([("MUG", 1)])
    [shipment] = order["shipments"]
    assert shipment["node"] == "DC-LYON"
    r = api.client.post(
        f"/v1/shipments/{shipment['id']}/ship", json={"tracking": "6A123"}, headers=api.ops
    )
    assert r.status_code == 200, r.text
    return st, order, shipment["id"]


def post(api, shipment_id: str, body: object, key: dict[str, str] | None = None):
    return api.client.post(
        f"/v1/shipments/{shipment_id}/tracking", json=body, headers=key or api.ops
    )


def history(api, shipment_id: str, key: dict[str, str] | None = None) -> dict[str, Any]:
    r = api.client.get(f"/v1/shipments/{shipment_id}/tracking", headers=key or api.ops)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_shipping_writes_in_transit_and_a_carrier_list_of_checkpoints_is_appended_in_time_order(
    api,
):
    _, _, sid = shipped_from_the_dc(api)
    before = history(api, sid)
    assert [(e["status"], e["source"]) for e in before["history"]] == [("in_transit", "oms")]
    assert before["tracking"] == "6A123" and before["tracking_status"] == "in_transit"
    checkpoints = [
        {"carrier_event_id": "c-1", "status": "label_created", "occurred_at": at(-1)},
        {
            "carrier_event_id": "c-3",
            "status": "out_for_delivery",
            "occurred_at": at(5),
            "location": "Paris 11",
            "carrier": "colissimo",
        },
    ]
    r = post(api, sid, checkpoints)
    assert r.status_code == 201, r.text
    body = r.json()
    assert [e["created"] for e in body["events"]] == [True, True]
    shipment = body["shipment"]
    assert [e["status"] for e in shipment["history"]] == [
        "label_created",
        "in_transit",
        "out_for_delivery",
    ]
    assert shipment["tracking_status"] == "out_for_delivery"
    assert shipment["carrier"] == "colissimo"
    assert shipment["tracking_url"] == "https://www.laposte.fr/outils/suivre-vos-envois?code=6A123"


def test_the_same_carrier_event_id_again_answers_200_with_the_existing_event_and_changes_nothing(
    api,
):
    _, order, sid = shipped_from_the_dc(api)
    first = {"carrier_event_id": "c-9", "status": "in_transit", "occurred_at": at(1)}
    assert post(api, sid, first).status_code == 201
    again = {**first, "status": "exception", "description": "changed on the carrier side"}
    r = post(api, sid, again)
    assert r.status_code == 200, r.text
    [echo] = r.json()["events"]
    assert echo["created"] is False and echo["event"]["status"] == "in_transit"
    assert len(history(api, sid)["history"]) == 2  # the OMS's in_transit and c-9, once
    tracked = [e for e in _order(api, order["id"])["events"] if e["type"] == "ShipmentTracked"]
    assert len(tracked) == 1 and tracked[0]["data"]["tracking_status"] == "in_transit"


def test_late_checkpoints_keep_their_place_in_time_and_never_move_the_status_back(api):
    _, _, sid = shipped_from_the_dc(api)
    post(api, sid, {"carrier_event_id": "ofd", "status": "out_for_delivery", "occurred_at": at(5)})
    r = post(api, sid, {"carrier_event_id": "hub", "status": "in_transit", "occurred_at": at(3)})
    assert r.status_code == 201
    shipment = r.json()["shipment"]
    assert shipment["tracking_status"] == "out_for_delivery"
    assert [e["carrier_event_id"] for e in shipment["history"]][-2:] == ["hub", "ofd"]
    # A scan that would step back (in transit after out for delivery) is kept, not counted.
    r = post(api, sid, {"carrier_event_id": "back", "status": "in_transit", "occurred_at": at(7)})
    [back] = r.json()["events"]
    assert back["event"]["counts"] is False
    assert r.json()["shipment"]["tracking_status"] == "out_for_delivery"


def test_a_carrier_delivered_event_delivers_the_shipment_and_the_order_once(api):
    _, order, sid = shipped_from_the_dc(api)
    sent = at(6)
    r = post(api, sid, {"carrier_event_id": "d", "status": "delivered", "occurred_at": sent})
    assert r.status_code == 201, r.text
    shipment = r.json()["shipment"]
    assert shipment["status"] == "delivered" and shipment["tracking_status"] == "delivered"
    # The carrier's time, never before the parcel left nor after the service's now.
    assert shipment["shipped_at"] < shipment["delivered_at"] < sent
    assert [e["source"] for e in shipment["history"]] == ["oms", "carrier"]  # no second one
    view = _order(api, order["id"])
    assert view["status"] == "delivered"
    ours = [e["type"] for e in view["events"] if e["type"] != "NotificationQueued"]
    assert ours[-2:] == ["ShipmentTracked", "Delivered"]
    # Delivered again, by a late duplicate or another checkpoint: nothing moves back or twice.
    r = post(api, sid, {"carrier_event_id": "late", "status": "in_transit", "occurred_at": at(-2)})
    assert r.status_code == 201 and r.json()["shipment"]["tracking_status"] == "delivered"
    assert [e["type"] for e in _order(api, order["id"])["events"]].count("Delivered") == 1


def test_a_shipment_delivered_through_the_deliver_route_gets_the_oms_delivered_entry(api):
    _, _, sid = shipped_from_the_dc(api)
    assert api.client.post(f"/v1/shipments/{sid}/deliver", headers=api.ops).status_code == 200
    entries = history(api, sid)["history"]
    assert [(e["status"], e["source"]) for e in entries] == [
        ("in_transit", "oms"),
        ("delivered", "oms"),
    ]


def test_bad_tracking_events_are_refused_naming_the_field_and_change_nothing(api):
    _, _, sid = shipped_from_the_dc(api)
    good = {"status": "in_transit", "occurred_at": at(1)}
    cases = [
        ({**good, "status": "teleported"}, "body.event.status"),
        ([good, {**good, "status": "lost"}], "body.events.1.status"),
        ({**good, "occurred_at": "2026-12-01T10:00:00"}, "body.event.occurred_at"),
        ({**good, "tracking_url": "javascript:alert(1)"}, "body.event.tracking_url"),
        ({**good, "carrier_event_id": ""}, "body.event.carrier_event_id"),
        ({**good, "colour": "red"}, "body.event.colour"),
        ([], "body.events"),
    ]
    for body, field in cases:
        r = post(api, sid, body)
        assert r.status_code == 422, (body, r.text)
        assert any(f.startswith(field) for f in r.json()["fields"]), (field, r.json())
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = post(api, sid, [good, {**good, "occurred_at": future}])
    assert r.status_code == 422 and r.json()["fields"][0].startswith("events[1].occurred_at")
    assert len(history(api, sid)["history"]) == 1  # the OMS's in_transit only


def test_store_keys_track_only_their_own_stores_shipments(api):
    st = build(api)  # the Paris store has the mugs: it ships from there
    order = st.order([("MUG", 1)])
    [shipment] = order["shipments"]
    sid = shipment["id"]
    assert shipment["node"] == "ST-PARIS-1"
    event = {"carrier_event_id": "s-1", "status": "label_created", "occurred_at": at(0)}
    r = post(api, sid, event, st.s2)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert post(api, sid, event, api.checkout).status_code == 403
    assert post(api, sid, event, st.s1).status_code == 201
    r = api.client.get(f"/v1/shipments/{sid}/tracking", headers=st.s2)
    assert r.status_code == 403
    assert history(api, sid, st.s1)["tracking_status"] == "label_created"
    assert history(api, sid, api.checkout)["history"][0]["carrier_event_id"] == "s-1"
    assert post(api, "SH-NOPE", event).status_code == 404
    assert api.client.get(f"/v1/shipments/{sid}/tracking").status_code == 401


def test_a_pickup_orders_history_reads_ready_for_pickup_then_picked_up(api):
    st = build(api)
    order = st.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1", destination=None)
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert st.confirm(pick, st.s1).status_code == 200
    assert api.client.post(f"/v1/orders/{order['id']}/collect", headers=st.s1).status_code == 200
    [shipment] = _order(api, order["id"])["shipments"]
    entries = history(api, shipment["id"])["history"]
    assert [(e["status"], e["location"]) for e in entries] == [
        ("ready_for_pickup", "ST-PARIS-1"),
        ("picked_up", "ST-PARIS-1"),
    ]


def test_the_tracking_routes_and_their_errors_are_in_the_openapi_document(api):
    doc = api.client.get("/openapi.json").json()
    route = doc["paths"]["/v1/shipments/{shipment_id}/tracking"]
    assert {"200", "201", "401", "403", "404", "422", "429"} <= set(route["post"]["responses"])
    assert {"200", "401", "403", "404"} <= set(route["get"]["responses"])
    assert "/track" not in doc["paths"]


def _order(api, order_id: str) -> dict[str, Any]:
    r = api.client.get(f"/v1/orders/{order_id}", headers=api.ops)
    assert r.status_code == 200, r.text
    return dict(r.json())
