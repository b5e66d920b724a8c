"""Click-and-collect, pickup slots, ship-from-store shipping and store-to-web over HTTP: every
flow and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from oms.orders.model import Order
from tests.e2e.stores_fixture import PARIS, build


def pickup(st, lines, store="ST-PARIS-1", **body):
    return st.order(lines, method="pickup", pickup_node=store, destination=None, **body)


def test_a_pickup_in_stock_at_the_store_is_picked_there_then_ready_then_collected(api):
    st = build(api)
    order = pickup(st, [("MUG", 2)])
    assert order["lines"][0]["allocations"][0]["node"] == "ST-PARIS-1"
    assert order["promise"]["ready_at"] == order["ready_at"]
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert st.confirm(pick, st.s1).status_code == 200
    ready = st.get(order["id"])
    assert ready["status"] == "ready_for_pickup" and ready["expires_at"] > ready["ready_at"]
    assert [n["kind"] for n in ready["notifications"]] == ["order_confirmed", "ready_for_pickup"]
    on_hand = st.stock("MUG")["ST-PARIS-1"]["on_hand"]
    r = api.client.post(f"/v1/orders/{order['id']}/collect", headers=st.s1)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "collected" and r.json()["lines"][0]["status"] == "collected"
    shelf = st.stock("MUG")["ST-PARIS-1"]
    assert shelf["on_hand"] == on_hand - 2 and shelf["reserved"] == 0


def test_a_pickup_the_store_lacks_is_transferred_and_ready_once_it_arrives(api):
    st = build(api, store_stock=0)
    order = pickup(st, [("MUG", 2)])
    [ship] = order["shipments"]
    assert ship["node"] == "DC-LYON" and order["picks"] == []
    local = pickup(st, [("TEA", 1)], store="ST-PARIS-2")  # a later ready time than in store
    assert order["promise"]["ready_at"] > datetime.now(UTC).isoformat()
    assert local["shipments"][0]["node"] == "DC-LYON"
    r = api.client.post(
        f"/v1/shipments/{ship['id']}/ship", json={"tracking": "TR-1"}, headers=api.ops
    )
    assert r.status_code == 200 and r.json()["status"] == "allocated"
    assert st.stock("MUG")["DC-LYON"]["on_hand"] == 8  # left the DC
    r = api.client.post(f"/v1/shipments/{ship['id']}/deliver", headers=api.ops)
    assert r.status_code == 200 and r.json()["status"] == "ready_for_pickup"
    assert st.stock("MUG")["ST-PARIS-1"]["reserved"] == 2  # received and held in store
    assert (
        api.client.post(f"/v1/orders/{order['id']}/collect", headers=st.s1).json()["status"]
        == "collected"
    )


def test_an_uncollected_pickup_expires_gives_the_units_back_and_is_refunded(api):
    st = build(api)
    order = pickup(st, [("MUG", 2)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    st.confirm(pick, st.s1)
    with api.state.sessions() as session:
        past = datetime.now(UTC) - timedelta(minutes=1)
        session.execute(update(Order).where(Order.id == order["id"]).values(expires_at=past))
        session.commit()
    assert api.state.sweep_once() == 1
    view = st.get(order["id"])
    assert view["status"] == "expired" and view["lines"][0]["status"] == "cancelled"
    assert [r["amount_minor"] for r in view["refunds"]] == [2 * 1299]
    kinds = [n["kind"] for n in view["notifications"]]
    assert kinds == ["order_confirmed", "ready_for_pickup", "pickup_expired"]
    assert st.stock("MUG")["ST-PARIS-1"]["reserved"] == 0  # back to ATP
    r = api.client.post(f"/v1/orders/{order['id']}/collect", headers=st.s1)
    assert r.status_code == 409 and r.json()["error"] == "illegal_transition"


def test_a_pickup_slot_takes_as_many_orders_as_its_capacity(api):
    st = build(api)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    slot = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "capacity": 1,
    }
    r = api.client.post("/v1/stores/ST-PARIS-1/slots", json=slot, headers=st.s1)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    hold = {
        "lines": [{"sku": "MUG", "qty": 1}],
        "method": "pickup",
        "pickup_node": "ST-PARIS-1",
        "slot_id": sid,
    }
    first = api.client.post("/v1/reservations", json=hold, headers=api.checkout)
    assert first.status_code == 201, first.text
    full = api.client.post("/v1/reservations", json=hold, headers=api.checkout)
    assert full.status_code == 409 and full.json()["error"] == "slot_full"
    assert st.stock("MUG")["ST-PARIS-1"]["reserved"] == 1  # the refused one held nothing
    api.client.delete(f"/v1/reservations/{first.json()['id']}", headers=api.checkout)
    slots = api.client.get("/v1/stores/ST-PARIS-1/slots", headers=api.checkout).json()
    assert slots[0]["remaining"] == 1
    order = pickup(st, [("MUG", 1)], slot_id=sid)
    assert order["slot_id"] == sid
    elsewhere = {**hold, "pickup_node": "ST-PARIS-2"}
    r = api.client.post("/v1/reservations", json=elsewhere, headers=api.checkout)
    assert r.status_code == 422 and "slot_id" in r.json()["detail"]


def test_slots_are_refused_for_another_store_or_a_backwards_window(api):
    st = build(api)
    start = datetime.now(UTC) + timedelta(hours=3)
    bad = {"starts_at": start.isoformat(), "ends_at": start.isoformat(), "capacity": 2}
    r = api.client.post("/v1/stores/ST-PARIS-1/slots", json=bad, headers=st.s1)
    assert r.status_code == 422 and "ends_at" in r.json()["detail"]
    ok = {**bad, "ends_at": (start + timedelta(hours=1)).isoformat()}
    assert api.client.post("/v1/stores/ST-PARIS-1/slots", json=ok, headers=st.s2).status_code == 403
    assert api.client.post("/v1/stores/DC-LYON/slots", json=ok, headers=api.ops).status_code == 422
    naive = {**ok, "starts_at": "2026-12-01T10:00:00"}
    assert (
        api.client.post("/v1/stores/ST-PARIS-1/slots", json=naive, headers=st.s1).status_code == 422
    )


def test_shipping_and_delivery_follow_the_shipment_state(api):
    st = build(api)
    order = st.order([("MUG", 1)])
    [shipment] = order["shipments"]
    url = f"/v1/shipments/{shipment['id']}"
    early = api.client.post(url + "/ship", json={"tracking": "T"}, headers=st.s1)
    assert early.status_code == 409 and "not picked" in early.json()["detail"]
    assert api.client.post(url + "/deliver", headers=api.ops).status_code == 409
    [pick] = st.picks("ST-PARIS-1", st.s1)
    st.confirm(pick, st.s1)
    assert api.client.post(url + "/ship", json={"tracking": "T"}, headers=st.s2).status_code == 403
    shipped = api.client.post(url + "/ship", json={"tracking": "TRK-9"}, headers=st.s1)
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert shipped.json()["shipments"][0]["tracking"] == "TRK-9"
    again = api.client.post(url + "/ship", json={"tracking": "T"}, headers=st.s1)
    assert again.status_code == 409
    assert api.client.post(url + "/deliver", headers=st.s1).status_code == 403  # ops only
    done = api.client.post(url + "/deliver", headers=api.ops)
    assert done.status_code == 200 and done.json()["status"] == "delivered"
    collect = api.client.post(f"/v1/orders/{order['id']}/collect", headers=api.ops)
    assert collect.status_code == 409
    assert (
        api.client.post(
            "/v1/shipments/NOPE/ship", json={"tracking": "T"}, headers=api.ops
        ).status_code
        == 404
    )
    assert api.client.post(url + "/ship", json={}, headers=st.s1).status_code == 422


def test_an_associate_orders_for_a_customer_in_store(api):
    st = build(api, store_stock=0)
    home = api.client.post(
        "/v1/orders",
        json={"lines": [{"sku": "MUG", "qty": 1}], "destination": PARIS, "channel": "web"},
        headers=st.s1,
    )
    assert home.status_code == 201 and home.json()["channel"] == "store"
    to_store = api.client.post(
        "/v1/orders",
        json={"lines": [{"sku": "TEA", "qty": 1}], "method": "pickup", "pickup_node": "ST-PARIS-1"},
        headers=st.s1,
    )
    assert to_store.status_code == 201 and to_store.json()["shipments"][0]["node"] == "DC-LYON"
    other = api.client.post(
        "/v1/orders",
        json={"lines": [{"sku": "TEA", "qty": 1}], "method": "pickup", "pickup_node": "ST-PARIS-2"},
        headers=st.s1,
    )
    assert other.status_code == 403
