"""POST /v1/promise over HTTP: options with dates, costs and allocations; reads, never holds."""

from __future__ import annotations

from datetime import date

from tests.e2e.test_catalog_api import NODE

STORE = {
    "id": "ST-PARIS",
    "kind": "store",
    "lat": 48.86,
    "lon": 2.35,
    "can_ship": True,
    "can_pickup": True,
    "capacity_units": 40,
    "handling_cost": 0.9,
    "shipment_cost": 6.0,
    "cost_per_km": 0.008,
}
CART = {"lines": [{"sku": "MUG", "qty": 2}], "destination": {"lat": 48.85, "lon": 2.35}}


def network(api, dc_stock=10, store_stock=1):
    for node in (NODE, STORE):
        assert api.client.post("/v1/nodes", json=node, headers=api.ops).status_code == 201
    api.client.put("/v1/skus/MUG", json={"name": "Mug", "price_minor": 1299}, headers=api.ops)
    for node, qty in (("DC-LYON", dc_stock), ("ST-PARIS", store_stock)):
        api.client.put(f"/v1/inventory/{node}/MUG", json={"on_hand": qty}, headers=api.ops)


def test_a_cart_in_stock_gets_standard_express_and_click_and_collect(api):
    network(api)
    r = api.client.post("/v1/promise", json=CART, headers=api.checkout)
    assert r.status_code == 200, r.text
    options = {o["id"]: o for o in r.json()["options"]}
    assert {"standard", "express", "pickup:ST-PARIS"} <= options.keys()
    standard = options["standard"]
    assert sum(a["qty"] for a in standard["allocations"]) == 2
    assert date.fromisoformat(standard["delivery_date"]).weekday() != 6
    assert options["express"]["delivery_date"] <= standard["delivery_date"]
    assert options["pickup:ST-PARIS"]["ready_at"] is not None
    assert r.json()["shortfalls"] == []


def test_promise_reserves_nothing(api):
    network(api)
    api.client.post("/v1/promise", json=CART, headers=api.checkout)
    stock = api.client.get("/v1/inventory/MUG", headers=api.ops).json()
    assert all(row["reserved"] == 0 for row in stock["nodes"]) and stock["available"] == 11


def test_a_disabled_node_is_not_promised_from(api):
    network(api, dc_stock=10, store_stock=0)
    api.client.post("/v1/nodes/DC-LYON/disable", headers=api.ops)
    body = api.client.post("/v1/promise", json=CART, headers=api.checkout).json()
    assert body["options"] == []
    assert body["shortfalls"] == [{"sku": "MUG", "requested": 2, "available": 0}]


def test_an_unknown_sku_is_404_and_bad_bodies_422_naming_the_field(api):
    network(api)
    bad = {"lines": [{"sku": "NOPE", "qty": 1}], "destination": {"lat": 48.85, "lon": 2.35}}
    r = api.client.post("/v1/promise", json=bad, headers=api.checkout)
    assert (
        r.status_code == 404 and r.json()["error"] == "unknown_sku" and "NOPE" in r.json()["detail"]
    )
    r = api.client.post(
        "/v1/promise", json={**CART, "destination": {"lat": 95, "lon": 2}}, headers=api.checkout
    )
    assert r.status_code == 422 and "destination.lat" in r.json()["detail"]
    r = api.client.post("/v1/promise", json={**CART, "lines": []}, headers=api.checkout)
    assert r.status_code == 422 and "body.lines" in r.json()["detail"]


def promised_units(api, cart=CART):
    body = api.client.post("/v1/promise", json=cart, headers=api.checkout).json()
    return {o["id"]: sum(a["qty"] for a in o["allocations"]) for o in body["options"]}, body


def test_a_promise_right_after_a_reservation_sees_the_units_it_took(api):
    network(api, dc_stock=2, store_stock=0)
    assert promised_units(api)[0]["standard"] == 2  # the stock is now in the promise cache
    hold = {**CART, "method": "ship", "ttl_seconds": 600}
    r = api.client.post("/v1/reservations", json=hold, headers=api.checkout)
    assert r.status_code == 201, r.text
    options, body = promised_units(api)
    assert options == {} and body["shortfalls"] == [{"sku": "MUG", "requested": 2, "available": 0}]


def test_a_promise_right_after_a_stock_count_sees_the_new_count(api):
    network(api, dc_stock=0, store_stock=0)
    assert promised_units(api)[0] == {}
    api.client.put("/v1/inventory/DC-LYON/MUG", json={"on_hand": 5}, headers=api.ops)
    assert promised_units(api)[0]["standard"] == 2


def test_a_node_disabled_after_a_promise_is_skipped_by_the_next_one(api):
    network(api, dc_stock=10, store_stock=0)
    assert promised_units(api)[0]["standard"] == 2  # the network is now cached
    api.client.post("/v1/nodes/DC-LYON/disable", headers=api.ops)
    assert promised_units(api)[0] == {}
    api.client.post("/v1/nodes/DC-LYON/enable", headers=api.ops)
    assert promised_units(api)[0]["standard"] == 2
