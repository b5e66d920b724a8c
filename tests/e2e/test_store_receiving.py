"""Incoming transfers (ship-to-store) over HTTP and on the store's page: the queue, a receipt as
expected, under (re-sourced or refunded) and over (into the store's stock), and the refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms.db import tables
from tests.e2e.stores_fixture import build
from tests.e2e.test_store_pages import ORIGIN, csrf_of, login

INCOMING = "/v1/stores/ST-PARIS-1/incoming"


def shipped_transfer(st, qty: int = 2):
    """A pickup order at ST-PARIS-1 the store lacks: its DC shipment shipped, on its way."""
    order = st.order([("MUG", qty)], method="pickup", pickup_node="ST-PARIS-1", destination=None)
    [ship] = order["shipments"]
    assert ship["node"] == "DC-LYON"
    r = st.api.client.post(
        f"/v1/shipments/{ship['id']}/ship", json={"tracking": "TR-9"}, headers=st.api.ops
    )
    assert r.status_code == 200, r.text
    return order, ship["id"], order["lines"][0]["id"]


def receive(st, shipment: str, counts: dict[str, int], key=None):
    lines = [{"line_id": k, "received": v} for k, v in counts.items()]
    return st.api.client.post(
        f"/v1/stores/ST-PARIS-1/shipments/{shipment}/receive",
        json={"lines": lines},
        headers=key or st.s1,
    )


def receipt_rows(api) -> list[tuple[str, int, int]]:
    t = tables.transfer_receipt_lines
    with api.state.sessions() as session:
        rows = session.execute(select(t.c.sku_id, t.c.expected, t.c.received))
        return [tuple(r) for r in rows]


def events_of(st, order_id: str, kind: str) -> list[dict]:
    return [e["data"] for e in st.get(order_id)["events"] if e["type"] == kind]


def test_a_transfer_is_queued_then_received_as_expected_and_the_order_is_ready(api):
    st = build(api, store_stock=0)
    order, shipment, line = shipped_transfer(st)
    [queued] = api.client.get(INCOMING, headers=st.s1).json()
    assert queued["shipment_id"] == shipment and queued["from_node"] == "DC-LYON"
    assert queued["lines"] == [{"line_id": line, "sku": "MUG", "qty": 2}]
    assert api.client.get("/v1/stores/ST-PARIS-2/incoming", headers=st.s2).json() == []
    r = receive(st, shipment, {line: 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["order"]["status"] == "ready_for_pickup" and body["store"] == "ST-PARIS-1"
    assert body["lines"] == [
        {"line_id": line, "sku": "MUG", "expected": 2, "received": 2, "difference": 0}
    ]
    shelf = st.stock("MUG")["ST-PARIS-1"]
    assert shelf["on_hand"] == 2 and shelf["reserved"] == 2  # counted and held for the order
    kinds = [n["kind"] for n in st.get(order["id"])["notifications"]]
    assert kinds.count("ready_for_pickup") == 1  # the existing handler, once
    assert events_of(st, order["id"], "TransferReceived") == [
        {"shipment": shipment, "store": "ST-PARIS-1", "differences": []}
    ]
    assert receipt_rows(api) == [("MUG", 2, 2)]
    assert api.client.get(INCOMING, headers=st.s1).json() == []
    assert receive(st, shipment, {line: 2}).status_code == 409  # arrived already


def test_units_missing_from_a_transfer_no_node_has_are_refunded_and_the_rest_is_ready(api):
    st = build(api, store_stock=0)
    order, shipment, line = shipped_transfer(st, qty=3)
    r = receive(st, shipment, {line: 1})
    assert r.status_code == 200, r.text
    assert r.json()["order"]["status"] == "ready_for_pickup"  # with the one unit that came
    assert st.stock("MUG")["ST-PARIS-1"]["reserved"] == 1
    [short] = events_of(st, order["id"], "LineShort")
    assert short["units"] == 2 and short["refund_minor"] == 2 * 1299
    [got] = events_of(st, order["id"], "TransferReceived")
    assert got["differences"] == [{"line": line, "sku": "MUG", "expected": 3, "received": 1}]


def test_units_missing_from_a_transfer_are_sourced_again_from_another_store(api):
    st = build(api, store_stock=0)
    order, shipment, line = shipped_transfer(st, qty=3)
    r = api.client.put("/v1/inventory/ST-PARIS-2/MUG", json={"on_hand": 5}, headers=api.ops)
    assert r.status_code == 200
    r = receive(st, shipment, {line: 1})
    assert r.status_code == 200, r.text
    view = r.json()["order"]
    assert view["status"] == "allocated"  # not ready while the missing units are on their way
    [again] = events_of(st, order["id"], "Resourced")
    assert again["node"] == "ST-PARIS-2" and again["lines"] == {line: 2}
    assert [p["order_id"] for p in st.picks("ST-PARIS-2", st.s2)] == [order["id"]]


def test_units_over_what_a_transfer_carried_go_into_the_store_stock(api):
    st = build(api, store_stock=0)
    _order, shipment, line = shipped_transfer(st)
    r = receive(st, shipment, {line: 3})
    assert r.status_code == 200 and r.json()["lines"][0]["difference"] == 1
    shelf = st.stock("MUG")["ST-PARIS-1"]
    assert shelf["on_hand"] == 3 and shelf["reserved"] == 2 and shelf["available"] == 1
    assert r.json()["order"]["status"] == "ready_for_pickup"
    assert receipt_rows(api) == [("MUG", 2, 3)]


def test_a_receipt_is_refused_for_another_store_a_missing_line_or_a_shipment_not_a_transfer(api):
    st = build(api, store_stock=0)
    order, shipment, line = shipped_transfer(st)
    assert api.client.get(INCOMING, headers=st.s2).status_code == 403
    assert receive(st, shipment, {line: 2}, key=st.s2).status_code == 403
    r = receive(st, shipment, {"nope": 2})
    assert r.status_code == 422 and "count every line" in r.text and "nope" in r.text
    shipped = st.order([("TEA", 1)])  # a ship order: its shipment goes to the customer
    r = receive(st, shipped["shipments"][0]["id"], {shipped["lines"][0]["id"]: 1})
    assert r.status_code == 409
    assert receipt_rows(api) == [] and st.get(order["id"])["status"] == "allocated"


@pytest.fixture
def https_api(api):
    api.client.base_url = ORIGIN
    return api


def test_the_incoming_page_lists_a_transfer_and_its_form_receives_it(https_api):
    api = https_api
    st = build(api, store_stock=0)
    _order, shipment, line = shipped_transfer(st)
    login(api, st.s1["X-API-Key"])
    page = api.client.get("/stores/ST-PARIS-1/incoming")
    assert page.status_code == 200 and f'data-shipment="{shipment}"' in page.text
    assert f'name="received:{line}"' in page.text and "<script" not in page.text
    url = f"/stores/ST-PARIS-1/shipments/{shipment}/receive"
    form = {f"received:{line}": "1", "csrf_token": csrf_of(page.text)}
    assert api.client.post(url, data={f"received:{line}": "1"}).status_code == 403  # no token
    r = api.client.post(url, data=form, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert r.status_code == 303, r.text
    done = api.client.get(r.headers["location"])
    assert "received" in done.text and "1 missing unit" in done.text
    assert "Nothing on its way" in done.text
    assert receipt_rows(api) == [("MUG", 2, 1)]
    assert api.client.get("/stores/ST-PARIS-2/incoming").status_code == 403  # another store
