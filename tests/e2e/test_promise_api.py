"""POST /v1/promise over HTTP: options with dates, costs and allocations; reads, never holds."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.schemas import PromiseOut
from oms.db import ledger
from oms.db.engine import make_session_factory
from tests.e2e.test_catalog_api import NODE
from tests.fakes.nodes import PARIS_STORE

STORE = PARIS_STORE
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


def test_every_answer_reads_as_the_documented_promise_out(api):
    network(api)
    for cart in (CART, {**CART, "lines": [{"sku": "MUG", "qty": 99}]}):
        r = api.client.post("/v1/promise", json=cart, headers=api.checkout)
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        PromiseOut.model_validate(r.json())


def test_promise_needs_a_checkout_or_ops_key(api):
    network(api)
    assert api.client.post("/v1/promise", json=CART).json()["error"] == "unauthorized"
    r = api.client.post("/v1/promise", json=CART, headers={"X-API-Key": "oms_nope"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    with api.state.unit_of_work() as uow:
        store_key = create_key(uow, "store", "ST-PARIS")
    r = api.client.post("/v1/promise", json=CART, headers={"X-API-Key": store_key})
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api.client.post("/v1/promise", json=CART, headers=api.ops).status_code == 200


def test_malformed_json_and_unknown_fields_are_422_naming_the_body(api):
    network(api)
    headers = {**api.checkout, "Content-Type": "application/json"}
    r = api.client.post("/v1/promise", content=b'{"lines": [', headers=headers)
    assert r.status_code == 422 and r.json()["detail"].startswith("body: Invalid JSON")
    r = api.client.post("/v1/promise", json={**CART, "coupon": "X"}, headers=api.checkout)
    assert r.status_code == 422 and "body.coupon" in r.json()["detail"]
    bad_qty = {**CART, "lines": [{"sku": "MUG", "qty": 0}]}
    r = api.client.post("/v1/promise", json=bad_qty, headers=api.checkout)
    assert r.status_code == 422 and r.json()["fields"] == [
        "body.lines.0.qty: Input should be greater than 0"
    ]


def test_other_methods_are_405_and_oversized_bodies_413(api):
    r = api.client.get("/v1/promise", headers=api.checkout)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["error"] == "method_not_allowed"
    huge = {**CART, "lines": [{"sku": "M" * 60, "qty": 1}] * 2000}
    r = api.client.post("/v1/promise", json=huge, headers=api.checkout)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"


def test_an_unexpected_failure_is_a_logged_500_with_the_error_body(api, monkeypatch):
    network(api)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("oms.api.routers.promise.promise_for", broken)
    with TestClient(api.client.app, raise_server_exceptions=False) as client:
        r = client.post("/v1/promise", json=CART, headers=api.checkout)
    assert r.status_code == 500 and r.json()["error"] == "internal"


def test_the_openapi_document_describes_the_promise_call(api):
    doc = api.client.get("/openapi.json").json()
    post = doc["paths"]["/v1/promise"]["post"]
    body_ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref == "#/components/schemas/PromiseIn"
    assert post["security"] == [{"APIKeyHeader": []}]
    ok = post["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok == "#/components/schemas/PromiseOut"
    schemas = doc["components"]["schemas"]
    assert {"PromiseIn", "PromiseOut", "OptionOut", "LineIn", "Destination", "ErrorOut"} <= set(
        schemas
    )
    assert doc["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "X-API-Key"
    # every reference in the document resolves
    refs = {m for m in _refs(doc)}
    assert {r.removeprefix("#/components/schemas/") for r in refs} <= set(schemas)


def _refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _count_elsewhere(api, node: str, on_hand: int) -> None:
    """A stock count by another process: the same database, not this app's sessions, so this
    app's stock cache does not hear of it."""
    other = make_session_factory(api.state.engine)
    with other() as session:
        ledger.set_stock(session, node, "MUG", on_hand=on_hand)
        session.commit()


def test_a_reservation_made_on_kept_stock_that_went_stale_is_sourced_again(api):
    network(api, dc_stock=2, store_stock=0)
    assert promised_units(api)[0]["standard"] == 2  # kept: 2 at DC-LYON
    _count_elsewhere(api, "DC-LYON", 0)
    _count_elsewhere(api, "ST-PARIS", 2)
    r = api.client.post("/v1/reservations", json={**CART, "ttl_seconds": 600}, headers=api.checkout)
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == [{"sku": "MUG", "node": "ST-PARIS", "qty": 2}]
    stock = {
        n["node"]: n for n in api.client.get("/v1/inventory/MUG", headers=api.ops).json()["nodes"]
    }
    assert stock["DC-LYON"]["reserved"] == 0 and stock["ST-PARIS"]["reserved"] == 2


def test_a_reservation_is_not_refused_for_stock_the_kept_numbers_have_not_seen(api):
    network(api, dc_stock=0, store_stock=0)
    assert promised_units(api)[0] == {}  # kept: nothing anywhere
    _count_elsewhere(api, "DC-LYON", 5)
    r = api.client.post("/v1/reservations", json={**CART, "ttl_seconds": 600}, headers=api.checkout)
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == [{"sku": "MUG", "node": "DC-LYON", "qty": 2}]
