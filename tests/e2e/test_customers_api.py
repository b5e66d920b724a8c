"""Customers over HTTP: one person across channels, their addresses, guest orders attached
later; orders, reservations and promises carrying who and where (an address located from the
shipped data when no destination is given)."""

from __future__ import annotations

from oms.domain.events import Aggregate
from tests.e2e.test_promise_api import network

ALICE = {
    "email": "Alice.Martin@Example.FR",
    "name": "Alice Martin",
    "phone": "+33 6 12 34 56 78",
    "locale": "fr",
    "external_id": "crm-0001",
}
VALENCE_DROME = {
    "line1": "1 rue Belle Image",
    "postcode": "26000",
    "city": "Valence",
    "country": "fr",
}
LINES = [{"sku": "MUG", "qty": 1}]


def create(api, body=ALICE, headers=None):
    return api.client.post("/v1/customers", json=body, headers=headers or api.checkout)


def test_a_customer_is_kept_with_a_lower_case_email_and_a_normal_phone(api):
    r = create(api)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"].startswith("cus_") and body["object"] == "customer"
    assert body["email"] == "alice.martin@example.fr" and body["phone"] == "+33612345678"
    assert body["locale"] == "fr" and body["external_id"] == "crm-0001"
    got = api.client.get(f"/v1/customers/{body['id']}", headers=api.ops).json()
    assert got == body


def test_customers_are_found_by_email_phone_or_external_id_in_any_form(api):
    cid = create(api).json()["id"]
    create(api, {"email": "bob@example.com"})
    for query in (
        "email=ALICE.martin@example.fr",
        "phone=%2B33%20(0)6-12-34-56-78".replace("(0)", ""),
        "external_id=crm-0001",
    ):
        r = api.client.get(f"/v1/customers?{query}", headers=api.checkout)
        assert r.status_code == 200, r.text
        assert [c["id"] for c in r.json()["data"]] == [cid], query
    none = api.client.get("/v1/customers?email=nobody@example.com", headers=api.checkout)
    assert none.json()["data"] == []
    bare = api.client.get("/v1/customers", headers=api.checkout)
    assert bare.status_code == 422 and "email" in bare.json()["detail"]


def test_an_external_id_belongs_to_one_customer(api):
    first = create(api).json()
    again = create(api, {**ALICE, "email": "other@example.com"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    other = create(api, {"email": "other@example.com"}).json()
    r = api.client.patch(
        f"/v1/customers/{other['id']}", json={"external_id": "crm-0001"}, headers=api.ops
    )
    assert r.status_code == 409
    same = api.client.patch(
        f"/v1/customers/{first['id']}", json={"external_id": "crm-0001"}, headers=api.ops
    )
    assert same.status_code == 200


def test_bad_customer_fields_are_named_and_change_nothing(api):
    r = create(api, {"email": "not-an-email", "phone": "12", "locale": "de"})
    assert r.status_code == 422
    text = " ".join(r.json()["fields"])
    assert "phone" in text and "locale" in text
    r = create(api, {"email": "no-at-sign.example.com"})
    assert r.status_code == 422 and "email" in r.json()["detail"]
    assert api.client.get("/v1/customers?email=not-an-email", headers=api.ops).json()["data"] == []
    assert create(api, {"email": "x@example.com", "shoe_size": 42}).status_code == 422


def test_patch_changes_the_given_fields_and_raises_customer_updated_without_values(api):
    cid = create(api).json()["id"]
    r = api.client.patch(
        f"/v1/customers/{cid}", json={"name": "Alice M.", "locale": "en"}, headers=api.ops
    )
    assert r.status_code == 200 and r.json()["name"] == "Alice M." and r.json()["locale"] == "en"
    assert r.json()["email"] == "alice.martin@example.fr"
    with api.state.unit_of_work() as uow:
        history = uow.events.history(Aggregate.CUSTOMER, cid)
    assert [(e.type, e.payload) for e in history] == [
        ("CustomerCreated", {"locale": "fr"}),
        ("CustomerUpdated", {"fields": ["name", "locale"]}),
    ]


def test_customers_are_for_checkout_and_ops_keys_only(api):
    store_key = _store_key(api)
    assert create(api, headers=store_key).status_code == 403
    assert api.client.post("/v1/customers", json=ALICE).status_code == 401
    assert api.client.get("/v1/customers/cus_nope", headers=api.ops).status_code == 404


def test_an_address_is_located_by_its_postcode_among_namesakes(api):
    cid = create(api).json()["id"]
    drome = api.client.post(f"/v1/customers/{cid}/addresses", json=VALENCE_DROME, headers=api.ops)
    assert drome.status_code == 201, drome.text
    tarn = {**VALENCE_DROME, "postcode": "82400"}
    garonne = api.client.post(f"/v1/customers/{cid}/addresses", json=tarn, headers=api.ops)
    a, b = drome.json(), garonne.json()
    assert a["located_by"] == b["located_by"] == "postcode" and a["country"] == "FR"
    assert abs(a["lat"] - 44.93) < 0.05 and abs(b["lat"] - 44.11) < 0.05
    unknown = {**VALENCE_DROME, "city": "Nulle-Part-sur-Rien"}
    c = api.client.post(f"/v1/customers/{cid}/addresses", json=unknown, headers=api.ops).json()
    assert c["located_by"] is None and c["lat"] is None
    listed = api.client.get(f"/v1/customers/{cid}/addresses", headers=api.ops).json()["data"]
    assert [x["id"] for x in listed] == [a["id"], b["id"], c["id"]]
    bad = api.client.post(
        f"/v1/customers/{cid}/addresses", json={**VALENCE_DROME, "country": "XX"}, headers=api.ops
    )
    assert bad.status_code == 422 and "address.country" in bad.json()["detail"]


def test_a_ship_order_with_only_an_address_goes_where_the_address_is(api):
    network(api)
    body = {"lines": LINES, "email": "Guest@Example.com", "address": VALENCE_DROME}
    r = api.client.post("/v1/orders", json=body, headers=api.checkout)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["located_by"] == "postcode" and abs(order["destination"]["lat"] - 44.93) < 0.05
    assert order["email"] == "guest@example.com" and order["customer_id"] is None
    assert order["address"]["city"] == "Valence" and order["address"]["country"] == "FR"


def test_an_address_nobody_can_locate_is_refused_naming_address_city_and_holds_nothing(api):
    network(api)
    before = api.client.get("/v1/inventory/MUG", headers=api.ops).json()["available"]
    body = {"lines": LINES, "address": {**VALENCE_DROME, "city": "Atlantis"}}
    for path in ("/v1/orders", "/v1/reservations", "/v1/promise"):
        r = api.client.post(path, json=body, headers=api.checkout)
        assert r.status_code == 422, (path, r.text)
        assert "address.city" in r.json()["detail"]
    assert api.client.get("/v1/inventory/MUG", headers=api.ops).json()["available"] == before
    r = api.client.post("/v1/promise", json={"lines": LINES}, headers=api.checkout)
    assert r.status_code == 422 and "destination" in r.json()["detail"]


def test_a_promise_accepts_an_address_and_answers_as_for_its_location(api):
    network(api)
    by_address = api.client.post(
        "/v1/promise", json={"lines": LINES, "address": VALENCE_DROME}, headers=api.checkout
    )
    by_point = api.client.post(
        "/v1/promise",
        json={"lines": LINES, "destination": {"lat": 44.9256, "lon": 4.90956}},
        headers=api.checkout,
    )
    assert by_address.status_code == 200, by_address.text
    assert by_address.json() == by_point.json()


def test_a_customers_order_takes_their_details_and_keeps_them_when_the_customer_changes(api):
    network(api)
    cid = create(api).json()["id"]
    body = {"lines": LINES, "customer_id": cid, "destination": {"lat": 48.85, "lon": 2.35}}
    order = api.client.post("/v1/orders", json=body, headers=api.checkout).json()
    assert order["customer_id"] == cid and order["email"] == "alice.martin@example.fr"
    assert order["name"] == "Alice Martin" and order["locale"] == "fr"
    assert order["located_by"] == "given"
    api.client.patch(f"/v1/customers/{cid}", json={"email": "new@example.fr"}, headers=api.ops)
    again = api.client.get(f"/v1/orders/{order['id']}", headers=api.checkout).json()
    assert again["email"] == "alice.martin@example.fr"
    unknown = api.client.post(
        "/v1/orders", json={**body, "customer_id": "cus_x"}, headers=api.checkout
    )
    assert unknown.status_code == 422 and "customer_id" in unknown.json()["detail"]


def test_a_reservation_carries_who_and_the_order_adds_the_email_given_at_payment(api):
    network(api)
    body = {"lines": LINES, "address": VALENCE_DROME, "name": "Guest"}
    rid = api.client.post("/v1/reservations", json=body, headers=api.checkout).json()["id"]
    order = api.client.post(
        "/v1/orders",
        json={"reservation_id": rid, "email": "late@example.com", "locale": "fr"},
        headers=api.checkout,
    ).json()
    assert order["email"] == "late@example.com" and order["name"] == "Guest"
    assert order["locale"] == "fr" and order["address"]["postcode"] == "26000"
    assert order["located_by"] == "postcode"


def test_guest_orders_are_attached_to_the_customer_with_their_email(api):
    network(api, dc_stock=20)
    dest = {"lat": 48.85, "lon": 2.35}
    ids = [
        api.client.post(
            "/v1/orders",
            json={"lines": LINES, "destination": dest, "email": email},
            headers=api.checkout,
        ).json()["id"]
        for email in ("alice.martin@example.fr", "ALICE.MARTIN@example.fr", "else@example.com")
    ]
    cid = create(api).json()["id"]
    r = api.client.post(f"/v1/customers/{cid}/attach", headers=api.ops)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["attached"]) == sorted(ids[:2])
    assert api.client.get(f"/v1/orders/{ids[0]}", headers=api.ops).json()["customer_id"] == cid
    other = create(api, {"email": "else@example.com"}).json()["id"]
    named = api.client.post(
        f"/v1/customers/{other}/attach", json={"order_ids": [ids[0]]}, headers=api.ops
    )
    assert named.status_code == 409
    mine = api.client.post(
        f"/v1/customers/{other}/attach", json={"order_ids": [ids[2]]}, headers=api.ops
    )
    assert mine.json()["attached"] == [ids[2]]
    events = api.client.get(f"/v1/orders/{ids[2]}", headers=api.ops).json()["events"]
    assert "OrderAttached" in [e["type"] for e in events]


def _store_key(api):
    from oms.access.keys import create_key

    network(api)
    with api.state.unit_of_work() as uow:
        key = create_key(uow, "store", node_id="ST-PARIS")
    return {"X-API-Key": key}
