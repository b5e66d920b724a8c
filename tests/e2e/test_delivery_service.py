"""The service chosen at checkout is honoured: reservations and orders take `service` or a
promise option's `option_id`, record it, and the order's promise and shipments are the dates
the promise showed for the same cart in the same minute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oms.access.keys import create_key
from tests.e2e.test_promise_api import CART, network
from tests.e2e.test_reservations_api import available, reserve

PICKUP_CART = {"lines": [{"sku": "MUG", "qty": 1}], "destination": {"lat": 48.85, "lon": 2.35}}


def options(api, cart=CART) -> dict[str, dict[str, Any]]:
    r = api.client.post("/v1/promise", json=cart, headers=api.checkout)
    assert r.status_code == 200, r.text
    return {o["id"]: o for o in r.json()["options"]}


def order(api, body, key=None):
    headers = {**api.checkout, **({"Idempotency-Key": key} if key else {})}
    return api.client.post("/v1/orders", json=body, headers=headers)


def in_one_minute(api, cart, option: str, act: Callable[[], Any]) -> tuple[dict[str, Any], Any]:
    """The promise's `option` for the cart, and what `act` made, when the promise answered
    the same before and after it (so in the same minute, or one with the same dates)."""
    for _ in range(5):
        before = options(api, cart)[option]
        made = act()
        if options(api, cart)[option] == before:
            return before, made
    pytest.fail("the promise kept changing around the order")


def view(api, oid):
    return api.client.get(f"/v1/orders/{oid}", headers=api.checkout).json()


def test_an_express_reservation_becomes_an_order_promised_the_express_dates_shown(api):
    network(api, dc_stock=20, store_stock=0)
    shown = options(api)
    assert shown["express"]["delivery_date"] < shown["standard"]["delivery_date"]

    def reserve_and_order() -> tuple[dict[str, Any], dict[str, Any]]:
        held = reserve(api, body={**CART, "service": "express"})
        assert held.status_code == 201, held.text
        made = order(api, {"reservation_id": held.json()["id"]})
        assert made.status_code == 201, made.text
        return held.json(), made.json()

    express, (held, made) = in_one_minute(api, CART, "express", reserve_and_order)
    assert held["service"] == "express" and held["method"] == "ship"
    body = view(api, made["id"])
    assert body["service"] == "express"
    assert body["promise"] == {"delivery_date": express["delivery_date"], "ready_at": None}
    assert [s["promised_at"] for s in body["shipments"]] == [
        f"{express['delivery_date']}T00:00:00+00:00"
    ]
    assert body["events"][0]["data"]["service"] == "express"


def test_an_order_straight_from_lines_with_express_is_promised_the_express_date(api):
    network(api, dc_stock=20, store_stock=0)

    def place() -> dict[str, Any]:
        made = order(api, {**CART, "service": "express"})
        assert made.status_code == 201, made.text
        return dict(made.json())

    express, made = in_one_minute(api, CART, "express", place)
    assert made["service"] == "express"
    assert made["promise"]["delivery_date"] == express["delivery_date"]
    standard = order(api, CART).json()
    assert standard["service"] == "standard"
    assert standard["promise"]["delivery_date"] > express["delivery_date"]


def test_a_pickup_option_id_orders_at_its_store_ready_exactly_when_the_promise_said(api):
    network(api, dc_stock=20, store_stock=5)

    def place() -> dict[str, Any]:
        made = order(api, {**PICKUP_CART, "option_id": "pickup:ST-PARIS"})
        assert made.status_code == 201, made.text
        return dict(made.json())

    shown, made = in_one_minute(api, PICKUP_CART, "pickup:ST-PARIS", place)
    assert (made["method"], made["pickup_node"], made["service"]) == (
        "pickup",
        "ST-PARIS",
        "click_and_collect",
    )
    # Picked from the store's shelf: ready to the second the promise showed (one rounding).
    assert made["promise"]["ready_at"] == shown["ready_at"]
    assert made["ready_at"] == shown["ready_at"]
    assert [s["promised_at"] for s in made["shipments"]] == [shown["ready_at"]]


def test_an_option_id_from_a_promise_answer_reserves_its_service(api):
    network(api, dc_stock=20, store_stock=0)
    ids = set(options(api))
    assert {"standard", "express"} <= ids
    for oid in ("standard", "express"):
        r = reserve(api, body={**CART, "option_id": oid})
        assert r.status_code == 201, r.text
        assert r.json()["service"] == oid and r.json()["method"] == "ship"
    rid = reserve(api).json()["id"]
    made = order(api, {"reservation_id": rid, "option_id": "express"})  # chosen at payment
    assert made.status_code == 201 and made.json()["service"] == "express"


def test_a_pickup_without_a_service_is_click_and_collect(api):
    network(api, dc_stock=20, store_stock=5)
    body = {**PICKUP_CART, "method": "pickup", "pickup_node": "ST-PARIS"}
    r = reserve(api, body=body)
    assert r.status_code == 201 and r.json()["service"] == "click_and_collect"
    made = order(api, {"reservation_id": r.json()["id"]}).json()
    assert made["service"] == "click_and_collect"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service": "express", "option_id": "express"}, "option_id: give service or option_id"),
        ({"service": "click_and_collect", "method": "ship"}, "service: click_and_collect is"),
        ({"service": "express", "method": "pickup", "pickup_node": "ST-PARIS"}, "service: exp"),
        ({"service": "standard", "method": "pickup", "pickup_node": "ST-PARIS"}, "service: sta"),
        ({"option_id": "express", "method": "pickup", "pickup_node": "ST-PARIS"}, "option_id:"),
        ({"option_id": "pickup:ST-PARIS", "method": "ship"}, "option_id: click_and_collect"),
        ({"option_id": "pickup:ST-PARIS", "pickup_node": "DC-LYON"}, "pickup_node: "),
        ({"option_id": "overnight"}, 'option_id: "overnight" is not a promise option id'),
        ({"service": "overnight"}, "body.service: Input should be"),
    ],
)
def test_contradictions_are_422_naming_the_field_and_hold_nothing(api, body, field):
    network(api, dc_stock=20, store_stock=5)
    for post in (reserve, order):
        r = post(api, body={**CART, **body})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "invalid_input"
        assert any(f.startswith(field) for f in r.json()["fields"]), r.json()
    assert available(api) == 25


def test_an_order_cannot_choose_a_service_its_reservation_cannot_serve(api):
    network(api, dc_stock=20, store_stock=5)
    rid = reserve(api).json()["id"]
    for choice, field in (
        ({"option_id": "pickup:ST-PARIS"}, "option_id: click_and_collect is collected"),
        ({"service": "click_and_collect"}, "service: click_and_collect is collected"),
        ({"service": "express", "option_id": "express"}, "option_id: give service"),
    ):
        r = order(api, {"reservation_id": rid, **choice})
        assert r.status_code == 422 and r.json()["fields"][0].startswith(field), r.text
    got = api.client.get(f"/v1/reservations/{rid}", headers=api.checkout).json()
    assert got["status"] == "active" and got["service"] == "standard"


def test_the_service_is_part_of_an_idempotent_request(api):
    network(api, dc_stock=20, store_stock=0)
    first = reserve(api, body={**CART, "service": "express"}, key="k-1")
    assert first.status_code == 201
    same = reserve(api, body={**CART, "option_id": "express"}, key="k-1")  # the same choice
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    other = reserve(api, body={**CART, "service": "standard"}, key="k-1")
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"
    assert reserve(api, body=CART, key="k-2").status_code == 201
    assert reserve(api, body={**CART, "service": "standard"}, key="k-2").status_code == 200

    placed = order(api, {**CART, "service": "express"}, key="o-1")
    assert placed.status_code == 201
    assert order(api, {**CART, "option_id": "express"}, key="o-1").status_code == 200
    again = order(api, CART, key="o-1")
    assert again.status_code == 409 and again.json()["error"] == "idempotency_key_reused"
    rid = reserve(api).json()["id"]
    assert order(api, {"reservation_id": rid}, key="o-2").status_code == 201
    r = order(api, {"reservation_id": rid, "service": "express"}, key="o-2")
    assert r.status_code == 409 and r.json()["error"] == "idempotency_key_reused"


def test_a_store_key_cannot_order_a_pickup_at_another_store_through_an_option(api):
    network(api, dc_stock=20, store_stock=5)
    with api.state.unit_of_work() as uow:
        other = create_key(uow, "store", "DC-LYON")
    r = api.client.post(
        "/v1/orders",
        json={**PICKUP_CART, "option_id": "pickup:ST-PARIS"},
        headers={"X-API-Key": other},
    )
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert available(api) == 25


def test_the_openapi_document_shows_the_service_in_and_out(api):
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("ReservationIn", "OrderIn"):
        assert {"service", "option_id", "method"} <= set(schemas[name]["properties"])
    for name in ("ReservationOut", "OrderOut"):
        assert "service" in schemas[name]["required"]
