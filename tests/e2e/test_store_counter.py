"""The store counter over JSON: pack and ship in parcels, the ready pickups queue, handover
(by pickup code or by name, with refused lines) and expired pickups back on the shelf."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from oms.db import tables
from oms.orders.model import Order
from tests.e2e.stores_fixture import PARIS, build

STORE = "/v1/stores/ST-PARIS-1"
ADDRESS = {"line1": "12 rue de Rivoli", "postcode": "75004", "city": "Paris", "country": "FR"}
CUSTOMER = {"name": "Zoé Durand", "email": "zoe@example.fr", "address": {**ADDRESS, **PARIS}}


def named_products(api) -> None:
    for sku, name, price in (("MUG", "Stoneware mug", 1299), ("TEA", "Green tea", 450)):
        body = {"name": name, "price_minor": price}
        assert api.client.put(f"/v1/skus/{sku}", json=body, headers=api.ops).status_code == 200


def picked(st, order: dict) -> None:
    [pick] = [p for p in st.picks("ST-PARIS-1", st.s1) if p["order_id"] == order["id"]]
    assert st.confirm(pick, st.s1).status_code == 200


def ready_pickup(st, lines, **body) -> dict:
    order = st.order(lines, method="pickup", pickup_node="ST-PARIS-1", destination=None, **body)
    picked(st, order)
    return st.get(order["id"])


def code_of(api, order_id: str) -> str:
    o = tables.orders.c
    with api.state.engine.connect() as conn:
        return str(conn.execute(select(o.pickup_code).where(o.id == order_id)).scalar_one())


def set_expires_at(api, order_id: str, at: datetime) -> None:
    with api.state.sessions() as session:
        session.execute(update(Order).where(Order.id == order_id).values(expires_at=at))
        session.commit()


def events_of(view: dict, kind: str) -> list[dict]:
    return [e["data"] for e in view["events"] if e["type"] == kind]


# --- pack and ship -----------------------------------------------------------------------------


def test_a_picked_ship_order_is_packed_by_product_name_and_ships_in_two_parcels(api):
    st = build(api)
    named_products(api)
    order = st.order([("MUG", 2), ("TEA", 1)], **CUSTOMER)
    assert api.client.get(f"{STORE}/pack", headers=st.s1).json() == []  # not picked yet
    picked(st, order)
    [item] = api.client.get(f"{STORE}/pack", headers=st.s1).json()
    assert item["order_id"] == order["id"] and item["customer_name"] == "Zoé Durand"
    assert [(ln["name"], ln["qty"]) for ln in item["lines"]] == [
        ("Stoneware mug", 2),
        ("Green tea", 1),
    ]
    on_hand = st.stock("MUG")["ST-PARIS-1"]["on_hand"]
    parcels = [
        {"carrier": "colissimo", "tracking": "6A123", "weight_g": 800},
        {"carrier": "colissimo", "tracking": "6A124"},
    ]
    url = f"{STORE}/shipments/{item['shipment_id']}/ship"
    r = api.client.post(url, json={"parcels": parcels}, headers=st.s1)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(p["parcel_no"], p["tracking"], p["weight_g"]) for p in body["parcels"]] == [
        (1, "6A123", 800),
        (2, "6A124", None),
    ]
    [shipment] = body["order"]["shipments"]
    assert body["order"]["status"] == "shipped" and shipment["tracking"] == "6A123"
    assert shipment["carrier"] == "colissimo"
    view = st.get(order["id"])
    assert "shipped" in [n["kind"] for n in view["notifications"]]
    [event] = events_of(view, "ParcelsShipped")
    assert [p["tracking"] for p in event["parcels"]] == ["6A123", "6A124"]
    assert st.stock("MUG")["ST-PARIS-1"]["on_hand"] == on_hand - 2
    assert api.client.get(f"{STORE}/pack", headers=st.s1).json() == []
    again = api.client.post(url, json={"parcels": parcels[:1]}, headers=st.s1)
    assert again.status_code == 409


def test_shipping_in_parcels_is_refused_for_another_store_too_many_parcels_or_an_open_pick(api):
    st = build(api)
    order = st.order([("MUG", 1)])
    shipment = order["shipments"][0]["id"]
    one = {"parcels": [{"carrier": "ups", "tracking": "1Z"}]}
    url = f"{STORE}/shipments/{shipment}/ship"
    assert api.client.post(url, json=one, headers=st.s2).status_code == 403
    other = f"/v1/stores/ST-PARIS-2/shipments/{shipment}/ship"
    assert api.client.post(other, json=one, headers=st.s2).status_code == 403
    many = {"parcels": [{"carrier": "ups", "tracking": f"1Z{n}"} for n in range(21)]}
    assert api.client.post(url, json=many, headers=st.s1).status_code == 422
    assert api.client.post(url, json={"parcels": []}, headers=st.s1).status_code == 422
    r = api.client.post(url, json=one, headers=st.s1)
    assert r.status_code == 409 and "not picked" in r.json()["detail"]
    assert api.client.get(f"{STORE}/pack", headers=api.checkout).status_code == 403


# --- ready pickups and handover ----------------------------------------------------------------


def test_ready_pickups_come_by_due_time_with_the_overdue_flagged_and_their_bins(api):
    st = build(api)
    later = ready_pickup(st, [("MUG", 1)], name="Ana")
    sooner = ready_pickup(st, [("TEA", 1)], name="Bo")
    set_expires_at(api, sooner["id"], datetime.now(UTC) - timedelta(minutes=5))
    found = api.client.get(f"{STORE}/pickups", headers=st.s1).json()
    assert [(p["order_id"], p["overdue"]) for p in found] == [
        (sooner["id"], True),
        (later["id"], False),
    ]
    assert found[1]["lines"][0]["bin"] == "A-03-M" and found[1]["customer_name"] == "Ana"
    assert api.client.get("/v1/stores/ST-PARIS-2/pickups", headers=st.s1).status_code == 403


def test_handover_by_pickup_code_with_a_refused_line_returns_it_to_stock_and_refunds_it(api):
    st = build(api)
    order = ready_pickup(st, [("MUG", 1), ("TEA", 1)], name="Zoé Durand")
    assert order["status"] == "ready_for_pickup"
    mug, tea = order["lines"]
    before = {sku: st.stock(sku)["ST-PARIS-1"] for sku in ("MUG", "TEA")}
    url = f"{STORE}/orders/{order['id']}/handover"
    wrong = api.client.post(url, json={"pickup_code": "abc"}, headers=st.s1)
    assert wrong.status_code == 422 and wrong.json()["error"] == "pickup_code_mismatch"
    body = {"pickup_code": code_of(api, order["id"]), "refused": [tea["id"]]}
    r = api.client.post(url, json=body, headers=st.s1)
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["status"] == "collected"
    assert [ln["status"] for ln in view["lines"]] == ["collected", "cancelled"]
    assert [(f["amount_minor"], f["reason"]) for f in view["refunds"]] == [
        (450, "refused at handover")
    ]
    tea_now, mug_now = st.stock("TEA")["ST-PARIS-1"], st.stock("MUG")["ST-PARIS-1"]
    assert tea_now["on_hand"] == before["TEA"]["on_hand"] and tea_now["reserved"] == 0
    assert mug_now["on_hand"] == before["MUG"]["on_hand"] - 1 and mug_now["reserved"] == 0
    [event] = events_of(view, "HandedOver")
    assert event["verified_by"] == "pickup_code" and event["refused"] == [tea["id"]]
    assert mug["id"] not in event["refused"]
    assert api.client.get(f"{STORE}/pickups", headers=st.s1).json() == []


def test_handover_by_name_ignores_accents_and_case_and_refuses_another_name(api):
    st = build(api)
    order = ready_pickup(st, [("MUG", 1)], name="Zoé Durand")
    url = f"{STORE}/orders/{order['id']}/handover"
    for body, error in (
        ({"customer_name": "Zoe Dupont"}, "customer_name_mismatch"),
        ({}, "invalid_input"),
        ({"customer_name": "zoe", "refused": [order["lines"][0]["id"]]}, "customer_name_mismatch"),
        ({"pickup_code": code_of(api, order["id"]), "refused": [order["lines"][0]["id"]]}, None),
    ):
        r = api.client.post(url, json=body, headers=st.s1)
        assert r.status_code == 422 and r.json()["error"] == (error or "invalid_input")
    assert st.get(order["id"])["status"] == "ready_for_pickup"
    r = api.client.post(url, json={"customer_name": "  ZOE   durand "}, headers=st.s1)
    assert r.status_code == 200 and r.json()["status"] == "collected"
    [event] = events_of(r.json(), "HandedOver")
    assert event["verified_by"] == "name" and event["refused"] == []
    assert (
        api.client.post(url, json={"customer_name": "Zoé Durand"}, headers=st.s1).status_code == 409
    )


# --- expired pickups ---------------------------------------------------------------------------


def test_an_expired_pickup_is_listed_with_its_bins_until_put_back_on_the_shelf(api):
    st = build(api)
    order = ready_pickup(st, [("MUG", 2)], name="Ana")
    set_expires_at(api, order["id"], datetime.now(UTC) - timedelta(minutes=1))
    assert api.state.sweep_once() == 1
    [expired] = api.client.get(f"{STORE}/pickups/expired", headers=st.s1).json()
    assert expired["order_id"] == order["id"]
    assert [(ln["sku"], ln["qty"], ln["bin"]) for ln in expired["lines"]] == [("MUG", 2, "A-03-M")]
    url = f"{STORE}/orders/{order['id']}/reshelved"
    assert api.client.post(url, headers=st.s2).status_code == 403
    r = api.client.post(url, headers=st.s1)
    assert r.status_code == 200 and r.json()["order_id"] == order["id"]
    assert api.client.get(f"{STORE}/pickups/expired", headers=st.s1).json() == []
    assert api.client.post(url, headers=st.s1).status_code == 409
    [event] = events_of(st.get(order["id"]), "PickupReshelved")
    assert event == {"store": "ST-PARIS-1", "lines": [["MUG", 2, "A-03-M"]]}
