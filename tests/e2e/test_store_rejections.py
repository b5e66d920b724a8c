"""Rejections over JSON: a pick line or a whole pick rejected with a reason code, the reason's
stock effect at the store, the units re-sourced at once (a new shipment on the order), the
collateral rejection of the same SKU in other picks, and the ops' analytics."""

from __future__ import annotations

from tests.e2e.stores_fixture import build


def reject(st, pick, key=None, node="ST-PARIS-1", **body):
    return st.api.client.post(
        f"/v1/stores/{node}/picks/{pick['id']}/reject", json=body, headers=key or st.s1
    )


def test_a_damaged_line_is_counted_off_and_its_units_resourced_at_once(api):
    st = build(api)
    order = st.order([("MUG", 2), ("TEA", 1)])
    mug = order["lines"][0]["id"]
    [pick] = st.picks("ST-PARIS-1", st.s1)
    r = reject(st, pick, lines=[{"line_id": mug, "qty": 1}], reason="damaged")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["picks"] == [
        {"pick_id": pick["id"], "order_id": order["id"], "lines": {mug: 1}, "collateral": False}
    ]
    [view] = body["orders"]
    assert {a["node"]: a["qty"] for a in view["lines"][0]["allocations"]} == {
        "ST-PARIS-1": 1,
        "DC-LYON": 1,
    }
    assert [s["node"] for s in view["shipments"]] == ["ST-PARIS-1", "DC-LYON"]
    assert view["shipments"][1]["promised_at"] is not None
    mugs = st.stock("MUG")["ST-PARIS-1"]
    assert (mugs["on_hand"], mugs["reserved"]) == (2, 1)  # 3 on the shelf, 1 damaged
    [left] = st.picks("ST-PARIS-1", st.s1)
    assert {ln["sku"]: ln["qty"] for ln in left["lines"]} == {"MUG": 1, "TEA": 1}
    types = [e["type"] for e in st.get(order["id"])["events"]]
    assert types.index("PickRejected") < types.index("Resourced")


def test_a_whole_pick_rejected_not_found_zeroes_the_shelf_and_cancels_the_pick(api):
    st = build(api)
    order = st.order([("MUG", 2)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    r = reject(st, pick, reason="not_found")
    assert r.status_code == 200, r.text
    view = st.get(order["id"])
    assert [(s["node"], s["status"]) for s in view["shipments"]] == [
        ("ST-PARIS-1", "cancelled"),
        ("DC-LYON", "created"),
    ]
    assert st.picks("ST-PARIS-1", st.s1) == []
    mugs = st.stock("MUG")["ST-PARIS-1"]
    assert (mugs["on_hand"], mugs["reserved"], mugs["available"]) == (0, 0, 0)


def test_mismatch_lowers_atp_and_no_time_leaves_the_stock_alone(api):
    st = build(api)
    st.order([("MUG", 1)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert reject(st, pick, reason="mismatch").status_code == 200
    mugs = st.stock("MUG")["ST-PARIS-1"]
    assert (mugs["on_hand"], mugs["reserved"], mugs["available"]) == (3, 0, 2)
    st.order([("TEA", 1)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert reject(st, pick, reason="no_time").status_code == 200
    teas = st.stock("TEA")["ST-PARIS-1"]
    assert (teas["on_hand"], teas["reserved"], teas["available"]) == (3, 0, 3)


def test_a_collateral_rejection_rejects_the_sku_in_the_stores_other_picks(api):
    st = build(api)
    first, second = st.order([("MUG", 1)]), st.order([("MUG", 1), ("TEA", 1)])
    picks = {p["order_id"]: p for p in st.picks("ST-PARIS-1", st.s1)}
    r = reject(st, picks[first["id"]], reason="not_found", collateral=True)
    assert r.status_code == 200, r.text
    rejected = [(p["order_id"], p["collateral"]) for p in r.json()["picks"]]
    assert rejected == [(first["id"], False), (second["id"], True)]
    [left] = st.picks("ST-PARIS-1", st.s1)
    assert [ln["sku"] for ln in left["lines"]] == ["TEA"]
    second_view = st.get(second["id"])
    assert {a["node"] for a in second_view["lines"][0]["allocations"]} == {"DC-LYON"}
    assert st.stock("MUG")["ST-PARIS-1"]["on_hand"] == 0


def test_unknown_reasons_and_quantities_beyond_the_open_ones_are_422_naming_the_field(api):
    st = build(api)
    order = st.order([("MUG", 2)])
    mug = order["lines"][0]["id"]
    [pick] = st.picks("ST-PARIS-1", st.s1)
    r = reject(st, pick, reason="bored")
    assert r.status_code == 422 and "reason" in r.text
    r = reject(st, pick, lines=[{"line_id": mug, "qty": 3}], reason="damaged")
    assert r.status_code == 422 and "lines" in r.text and "1..2" in r.text
    assert reject(st, pick, key=st.s2, reason="damaged").status_code == 403
    assert reject(st, pick, key=st.s2, node="ST-PARIS-2", reason="damaged").status_code == 404
    assert st.stock("MUG")["ST-PARIS-1"]["reserved"] == 2  # nothing changed


def test_ops_see_rejections_by_reason_sku_and_store(api):
    st = build(api)
    st.order([("MUG", 2), ("TEA", 1)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert reject(st, pick, reason="damaged").status_code == 200
    assert api.client.get("/v1/stores/rejections/summary", headers=st.s1).status_code == 403
    r = api.client.get("/v1/stores/rejections/summary?days=7", headers=api.ops)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["days"], body["count"], body["units"]) == (7, 2, 3)
    assert body["by_reason"] == [{"key": "damaged", "count": 2, "units": 3}]
    assert [(t["key"], t["units"]) for t in body["by_sku"]] == [("MUG", 2), ("TEA", 1)]
    assert body["by_store"] == [{"key": "ST-PARIS-1", "count": 2, "units": 3}]
