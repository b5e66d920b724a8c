"""Reservations over HTTP: atomic holds, idempotency, every shortfall, release and expiry."""

from __future__ import annotations

import time

from tests.e2e.test_promise_api import CART, network


def reserve(api, body=CART, key=None):
    headers = {**api.checkout, **({"Idempotency-Key": key} if key else {})}
    return api.client.post("/v1/reservations", json=body, headers=headers)


def available(api):
    return api.client.get("/v1/inventory/MUG", headers=api.ops).json()["available"]


def test_a_reservation_holds_the_sourced_plan_at_its_nodes(api):
    network(api, dc_stock=10, store_stock=1)
    r = reserve(api)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "active" and sum(x["qty"] for x in body["lines"]) == 2
    assert available(api) == 9
    held = {x["node"] for x in body["lines"]}
    rows = api.client.get("/v1/inventory/MUG", headers=api.ops).json()["nodes"]
    assert {row["node"] for row in rows if row["reserved"]} == held


def test_the_same_idempotency_key_returns_the_same_reservation_and_holds_nothing_twice(api):
    network(api)
    first = reserve(api, key="cart-1")
    again = reserve(api, key="cart-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert available(api) == 9
    other = reserve(api, body={**CART, "lines": [{"sku": "MUG", "qty": 1}]}, key="cart-1")
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"


def test_insufficient_stock_is_409_listing_every_short_line_and_holds_nothing(api):
    network(api, dc_stock=1, store_stock=0)
    api.client.put("/v1/skus/CUP", json={"name": "Cup", "price_minor": 500}, headers=api.ops)
    body = {**CART, "lines": [{"sku": "MUG", "qty": 3}, {"sku": "CUP", "qty": 1}]}
    r = reserve(api, body=body)
    assert r.status_code == 409
    assert r.json()["error"] == "insufficient_stock"
    assert r.json()["shortfalls"] == [
        {"sku": "MUG", "requested": 3, "available": 1},
        {"sku": "CUP", "requested": 1, "available": 0},
    ]
    assert available(api) == 1


def test_releasing_gives_the_units_back_and_a_second_release_is_409(api):
    network(api)
    rid = reserve(api).json()["id"]
    r = api.client.delete(f"/v1/reservations/{rid}", headers=api.checkout)
    assert r.status_code == 200 and r.json()["status"] == "released"
    assert available(api) == 11
    assert api.client.delete(f"/v1/reservations/{rid}", headers=api.checkout).status_code == 409


def test_an_expired_reservation_releases_its_stock_when_read(api):
    network(api)
    rid = reserve(api, body={**CART, "ttl_seconds": 1}).json()["id"]
    assert available(api) == 9
    time.sleep(1.2)
    r = api.client.get(f"/v1/reservations/{rid}", headers=api.checkout)
    assert r.json()["status"] == "expired"
    assert available(api) == 11


def test_a_pickup_reservation_holds_at_the_store_and_refuses_a_non_pickup_node(api):
    network(api, dc_stock=0, store_stock=2)
    body = {"lines": [{"sku": "MUG", "qty": 2}], "method": "pickup", "pickup_node": "ST-PARIS"}
    r = reserve(api, body=body)
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == [{"sku": "MUG", "node": "ST-PARIS", "qty": 2}]
    bad = reserve(api, body={**body, "pickup_node": "DC-LYON"})
    assert bad.status_code == 422 and "pickup_node" in bad.json()["detail"]
    unknown = reserve(api, body={**body, "pickup_node": "ST-NOWHERE"})
    assert unknown.status_code == 404


def test_bad_reservation_bodies_are_422_and_unknown_ids_404(api):
    network(api)
    r = reserve(api, body={**CART, "ttl_seconds": 0})
    assert r.status_code == 422 and "ttl_seconds" in r.json()["detail"]
    r = reserve(api, body={"lines": CART["lines"], "method": "ship"})
    assert r.status_code == 422 and "destination" in r.json()["detail"]
    r = api.client.get("/v1/reservations/nope", headers=api.checkout)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_the_sweeper_expires_due_reservations_without_anyone_reading_them(api):
    network(api)
    reserve(api, body={**CART, "ttl_seconds": 1})
    reserve(api, body={**CART, "ttl_seconds": 600})
    assert available(api) == 7
    time.sleep(1.2)
    assert api.state.sweep_once() == 1
    assert available(api) == 9
