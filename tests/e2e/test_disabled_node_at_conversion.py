"""A reservation held at a node that is disabled before checkout completes: its order is
allocated at the nodes still serving (the disabled node's units are given back), or refused
with 409 and the reservation left exactly as it was. A pickup at a disabled store is refused
naming the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from oms.domain.events import EventRecord
from oms.inventory.model import Node
from oms.orders.model import Order
from tests.e2e.stores_fixture import build
from tests.e2e.test_promise_api import CART, network

HOLD = {**CART, "method": "ship", "ttl_seconds": 600}


def stock(api, sku: str = "MUG") -> dict[str, dict[str, int]]:
    r = api.client.get(f"/v1/inventory/{sku}", headers=api.ops)
    assert r.status_code == 200, r.text
    return {row["node"]: row for row in r.json()["nodes"]}


def count(api, table: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for name, value in where.items():
        stmt = stmt.where(getattr(table, name) == value)
    with api.state.sessions() as session:
        return int(session.scalar(stmt) or 0)


def hold(api, body: dict[str, Any] = HOLD) -> dict[str, Any]:
    r = api.client.post("/v1/reservations", json=body, headers=api.checkout)
    assert r.status_code == 201, r.text
    return dict(r.json())


def reservation(api, rid: str) -> dict[str, Any]:
    r = api.client.get(f"/v1/reservations/{rid}", headers=api.checkout)
    assert r.status_code == 200, r.text
    return dict(r.json())


def disable(api, node_id: str) -> None:
    r = api.client.post(f"/v1/nodes/{node_id}/disable", headers=api.ops)
    assert r.status_code == 200 and r.json()["enabled"] is False, r.text


def convert(api, rid: str) -> Any:
    return api.client.post("/v1/orders", json={"reservation_id": rid}, headers=api.checkout)


def allocations(order: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted(
        (ln["sku"], a["node"], a["qty"]) for ln in order["lines"] for a in ln["allocations"]
    )


def on_hand(rows: dict[str, dict[str, int]]) -> dict[str, int]:
    return {n: r["on_hand"] for n, r in rows.items()}


def reserved(rows: dict[str, dict[str, int]]) -> dict[str, int]:
    return {n: r["reserved"] for n, r in rows.items()}


def test_a_reservation_held_at_a_node_disabled_since_becomes_an_order_allocated_elsewhere(api):
    network(api, dc_stock=10, store_stock=10)
    before = stock(api)
    res = hold(api)
    [(held_at, other)] = [
        (n, o)
        for n, o in (("DC-LYON", "ST-PARIS"), ("ST-PARIS", "DC-LYON"))
        if res["lines"] == [{"sku": "MUG", "node": n, "qty": 2}]
    ]
    assert stock(api)[held_at]["reserved"] == before[held_at]["reserved"] + 2
    disable(api, held_at)
    r = convert(api, res["id"])
    assert r.status_code == 201, r.text
    order = r.json()
    assert allocations(order) == [("MUG", other, 2)]
    assert [s["node"] for s in order["shipments"]] == [other]
    after = stock(api)
    assert after[held_at]["reserved"] == before[held_at]["reserved"]  # given back
    assert after[other]["reserved"] == before[other]["reserved"] + 2
    assert on_hand(after) == on_hand(before)
    converted = reservation(api, res["id"])
    assert converted["status"] == "converted"
    assert converted["lines"] == [{"sku": "MUG", "node": other, "qty": 2}]
    again = api.client.get(f"/v1/orders/{order['id']}", headers=api.checkout).json()
    assert allocations(again) == [("MUG", other, 2)]
    assert count(api, EventRecord, type="ReservationResourced", aggregate_id=res["id"]) == 1


def test_a_split_reservation_loses_only_the_disabled_nodes_place_in_the_order(api):
    network(api, dc_stock=1, store_stock=1)
    res = hold(api)
    assert sorted(ln["node"] for ln in res["lines"]) == ["DC-LYON", "ST-PARIS"]
    disable(api, "ST-PARIS")
    r = api.client.post("/v1/inventory/DC-LYON/MUG/receipts", json={"qty": 1}, headers=api.ops)
    assert r.status_code == 200, r.text
    before = stock(api)
    r = convert(api, res["id"])
    assert r.status_code == 201, r.text
    assert allocations(r.json()) == [("MUG", "DC-LYON", 2)]
    after = stock(api)
    assert reserved(after) == {"DC-LYON": 2, "ST-PARIS": 0}
    assert on_hand(after) == on_hand(before)


def test_with_no_other_node_holding_the_stock_conversion_is_409_and_the_reservation_unchanged(
    api,
):
    network(api, dc_stock=2, store_stock=0)
    res = hold(api)
    assert res["lines"] == [{"sku": "MUG", "node": "DC-LYON", "qty": 2}]
    disable(api, "DC-LYON")
    before, events, orders = stock(api), count(api, EventRecord), count(api, Order)
    for _ in range(2):  # a retry meets the same answer
        r = convert(api, res["id"])
        assert r.status_code == 409, r.text
        assert r.json()["error"] == "insufficient_stock"
        assert r.json()["shortfalls"] == [{"sku": "MUG", "requested": 2, "available": 0}]
        still = reservation(api, res["id"])
        assert still["status"] == "active" and still["lines"] == res["lines"]
        assert stock(api) == before and before["DC-LYON"]["reserved"] == 2  # still holding
        assert count(api, EventRecord) == events and count(api, Order) == orders
    # The units were never let go: once the node serves again, the order takes them.
    api.client.post("/v1/nodes/DC-LYON/enable", headers=api.ops)
    r = convert(api, res["id"])
    assert r.status_code == 201, r.text
    assert allocations(r.json()) == [("MUG", "DC-LYON", 2)]
    assert reserved(stock(api)) == {"DC-LYON": 2, "ST-PARIS": 0}


def test_a_reservation_at_a_node_whose_row_went_bad_is_allocated_elsewhere(api):
    network(api, dc_stock=0, store_stock=10)
    res = hold(api)
    assert res["lines"] == [{"sku": "MUG", "node": "ST-PARIS", "qty": 2}]
    api.client.put("/v1/inventory/DC-LYON/MUG", json={"on_hand": 10}, headers=api.ops)
    with api.state.sessions() as session:  # a hand edit, behind the API's back
        session.execute(update(Node).where(Node.id == "ST-PARIS").values(timezone="Mars/Olympus"))
        session.commit()
    api.state.networks.changed({}, True)
    r = convert(api, res["id"])
    assert r.status_code == 201, r.text
    assert allocations(r.json()) == [("MUG", "DC-LYON", 2)]
    assert reserved(stock(api)) == {"DC-LYON": 2, "ST-PARIS": 0}


def _pickup(api, store: str) -> dict[str, Any]:
    body = {
        "lines": [{"sku": "MUG", "qty": 2}],
        "method": "pickup",
        "pickup_node": store,
        "ttl_seconds": 600,
    }
    return hold(api, body)


def _refused_naming(r: Any, store: str) -> None:
    assert r.status_code == 409, r.text
    assert store in r.json()["detail"], r.text


def test_a_pickup_reservation_whose_store_is_disabled_is_refused_naming_the_store(api):
    build(api, dc_stock=10, store_stock=3)
    res = _pickup(api, "ST-PARIS-1")
    assert res["lines"] == [{"sku": "MUG", "node": "ST-PARIS-1", "qty": 2}]
    disable(api, "ST-PARIS-1")
    before, events, orders = stock(api), count(api, EventRecord), count(api, Order)
    _refused_naming(convert(api, res["id"]), "ST-PARIS-1")
    still = reservation(api, res["id"])
    assert still["status"] == "active" and still["lines"] == res["lines"]
    assert stock(api) == before and before["ST-PARIS-1"]["reserved"] == 2
    assert count(api, EventRecord) == events and count(api, Order) == orders


def test_a_ship_to_store_reservation_whose_store_is_disabled_is_refused_naming_the_store(api):
    """The units are held at the DC (the store has none): the DC still serves, but the
    customer would collect at a store that is out."""
    build(api, dc_stock=10, store_stock=0)
    res = _pickup(api, "ST-PARIS-1")
    assert res["lines"] == [{"sku": "MUG", "node": "DC-LYON", "qty": 2}]
    disable(api, "ST-PARIS-1")
    before, orders = stock(api), count(api, Order)
    _refused_naming(convert(api, res["id"]), "ST-PARIS-1")
    still = reservation(api, res["id"])
    assert still["status"] == "active" and still["lines"] == res["lines"]
    assert stock(api) == before and count(api, Order) == orders


def test_a_direct_pickup_order_at_a_disabled_store_is_refused_naming_the_store(api):
    build(api, dc_stock=10, store_stock=3)
    disable(api, "ST-PARIS-1")
    before, orders = stock(api), count(api, Order)
    body = {"lines": [{"sku": "MUG", "qty": 2}], "method": "pickup", "pickup_node": "ST-PARIS-1"}
    r = api.client.post("/v1/orders", json=body, headers=api.checkout)
    _refused_naming(r, "ST-PARIS-1")
    assert stock(api) == before and count(api, Order) == orders
