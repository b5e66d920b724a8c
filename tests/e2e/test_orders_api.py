"""Orders over HTTP: from a reservation or directly, their view and history, cancellation."""

from __future__ import annotations

from tests.e2e.test_promise_api import CART, network
from tests.e2e.test_reservations_api import available, reserve


def order(api, body, key=None):
    headers = {**api.checkout, **({"Idempotency-Key": key} if key else {})}
    return api.client.post("/v1/orders", json=body, headers=headers)


def test_an_order_from_a_reservation_keeps_its_units_and_shows_lines_shipments_history(api):
    network(api)
    rid = reserve(api).json()["id"]
    r = order(api, {"reservation_id": rid})
    assert r.status_code == 201, r.text
    body = api.client.get(f"/v1/orders/{r.json()['id']}", headers=api.checkout).json()
    assert body["status"] == "allocated"
    (line,) = body["lines"]
    assert {k: line[k] for k in ("sku", "qty")} == {"sku": "MUG", "qty": 2} and line["id"]
    assert sum(a["qty"] for a in line["allocations"]) == 2
    assert {s["node"] for s in body["shipments"]} == {a["node"] for a in line["allocations"]}
    assert all(s["id"] and s["status"] == "created" for s in body["shipments"])
    assert [e["type"] for e in body["events"]] == ["OrderCreated", "Sourced", "NotificationQueued"]
    assert available(api) == 9
    got = api.client.get(f"/v1/reservations/{rid}", headers=api.checkout).json()
    assert got["status"] == "converted"


def test_an_order_straight_from_lines_is_reserved_and_idempotent_by_key(api):
    network(api)
    first = order(api, CART, key="o-1")
    again = order(api, CART, key="o-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert available(api) == 9


def test_a_converted_or_unknown_reservation_cannot_become_an_order(api):
    network(api)
    rid = reserve(api).json()["id"]
    assert order(api, {"reservation_id": rid}).status_code == 201
    r = order(api, {"reservation_id": rid})
    assert r.status_code == 409 and r.json()["error"] == "conflict"
    assert order(api, {"reservation_id": "nope"}).status_code == 404
    assert order(api, {}).status_code == 422


def test_cancelling_a_line_then_the_order_gives_every_unit_back(api):
    network(api, dc_stock=10, store_stock=0)
    api.client.put("/v1/skus/CUP", json={"name": "Cup", "price_minor": 500}, headers=api.ops)
    api.client.put("/v1/inventory/DC-LYON/CUP", json={"on_hand": 5}, headers=api.ops)
    body = {**CART, "lines": [{"sku": "MUG", "qty": 2}, {"sku": "CUP", "qty": 1}]}
    oid = order(api, body).json()["id"]
    cup_line = next(ln["id"] for ln in order_view(api, oid)["lines"] if ln["sku"] == "CUP")
    r = api.client.post(
        f"/v1/orders/{oid}/cancel", json={"lines": [cup_line]}, headers=api.checkout
    )
    assert r.status_code == 200 and r.json()["status"] == "allocated"
    cup = api.client.get("/v1/inventory/CUP", headers=api.ops).json()
    assert cup["available"] == 5
    r = api.client.post(f"/v1/orders/{oid}/cancel", headers=api.checkout)
    assert r.json()["status"] == "cancelled"
    assert available(api) == 10
    again = api.client.post(f"/v1/orders/{oid}/cancel", headers=api.checkout)
    assert again.status_code == 409 and again.json()["error"] == "illegal_transition"


def test_cancelling_a_line_of_another_order_is_422_and_changes_nothing(api):
    network(api)
    oid = order(api, CART).json()["id"]
    r = api.client.post(f"/v1/orders/{oid}/cancel", json={"lines": ["X-1"]}, headers=api.checkout)
    assert r.status_code == 422 and "X-1" in r.json()["detail"]
    assert available(api) == 9


def order_view(api, oid):
    return api.client.get(f"/v1/orders/{oid}", headers=api.checkout).json()
