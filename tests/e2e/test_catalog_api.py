"""Nodes, SKUs and inventory over HTTP: every endpoint and its refusals."""

from __future__ import annotations

NODE = {
    "id": "DC-LYON",
    "kind": "warehouse",
    "lat": 45.76,
    "lon": 4.84,
    "can_ship": True,
    "can_pickup": False,
    "capacity_units": 5000,
    "handling_cost": 0.35,
    "shipment_cost": 4.5,
    "cost_per_km": 0.006,
}


def setup_stock(api, on_hand=10):
    assert api.client.post("/v1/nodes", json=NODE, headers=api.ops).status_code == 201
    sku = {"name": "Mug", "price_minor": 1299}
    assert api.client.put("/v1/skus/MUG", json=sku, headers=api.ops).status_code == 200
    r = api.client.put("/v1/inventory/DC-LYON/MUG", json={"on_hand": on_hand}, headers=api.ops)
    assert r.status_code == 200, r.text


def test_health_needs_no_key_and_ready_answers_once_kernels_are_warm(api):
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").json() == {"status": "ready"}


def test_a_node_is_created_with_service_defaults_and_listed(api):
    created = api.client.post("/v1/nodes", json=NODE, headers=api.ops).json()
    assert created["timezone"] == "Europe/Paris" and created["cutoff_time"] == "14:00"
    assert created["enabled"] is True
    assert [n["id"] for n in api.client.get("/v1/nodes", headers=api.checkout).json()] == [
        "DC-LYON"
    ]


def test_disabling_a_node_marks_it_out_and_enabling_brings_it_back(api):
    api.client.post("/v1/nodes", json=NODE, headers=api.ops)
    assert api.client.post("/v1/nodes/DC-LYON/disable", headers=api.ops).json()["enabled"] is False
    assert api.client.post("/v1/nodes/DC-LYON/enable", headers=api.ops).json()["enabled"] is True


def test_inventory_shows_each_node_and_the_total_available(api):
    setup_stock(api, on_hand=10)
    api.client.put("/v1/inventory/DC-LYON/MUG", json={"safety_stock": 2}, headers=api.ops)
    api.client.post("/v1/inventory/DC-LYON/MUG/receipts", json={"qty": 5}, headers=api.ops)
    r = api.client.post(
        "/v1/inventory/DC-LYON/MUG/adjustments",
        json={"delta": -1, "reason": "broken"},
        headers=api.ops,
    )
    assert r.json()["on_hand"] == 14
    body = api.client.get("/v1/inventory/MUG", headers=api.checkout).json()
    assert body == {
        "sku": "MUG",
        "nodes": [
            {"node": "DC-LYON", "on_hand": 14, "reserved": 0, "safety_stock": 2, "available": 12}
        ],
        "available": 12,
    }


def test_calls_without_a_key_are_401_and_checkout_keys_cannot_change_stock(api):
    r = api.client.get("/v1/nodes")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = api.client.post("/v1/nodes", json=NODE, headers=api.checkout)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"


def test_bad_fields_are_422_naming_the_field_and_change_nothing(api):
    r = api.client.post("/v1/nodes", json={**NODE, "lat": 123}, headers=api.ops)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_input" and "body.lat" in r.json()["detail"]
    assert api.client.get("/v1/nodes", headers=api.ops).json() == []


def test_unknown_records_are_404_and_duplicates_409(api):
    setup_stock(api)
    r = api.client.get("/v1/inventory/NOPE", headers=api.ops)
    assert r.status_code == 404 and r.json()["error"] == "unknown_sku"
    r = api.client.post("/v1/nodes/ST-NOWHERE/disable", headers=api.ops)
    assert r.status_code == 404 and r.json()["error"] == "unknown_node"
    r = api.client.post("/v1/nodes", json=NODE, headers=api.ops)
    assert r.status_code == 409 and r.json()["error"] == "conflict"


def test_a_negative_receipt_is_refused_and_stock_unchanged(api):
    setup_stock(api, on_hand=3)
    r = api.client.post("/v1/inventory/DC-LYON/MUG/receipts", json={"qty": -2}, headers=api.ops)
    assert r.status_code == 422 and "body.qty" in r.json()["detail"]
    assert api.client.get("/v1/inventory/MUG", headers=api.ops).json()["available"] == 3
