"""Pick lists over JSON: released as orders are sourced to a store, sorted by bin, confirmed;
short picks corrected on the shelf and re-sourced; store keys bound to their store."""

from __future__ import annotations

from tests.e2e.stores_fixture import build


def test_an_order_sourced_to_a_store_releases_a_pick_sorted_by_bin(api):
    st = build(api)
    order = st.order([("TEA", 1), ("MUG", 2)])
    assert {a["node"] for ln in order["lines"] for a in ln["allocations"]} == {"ST-PARIS-1"}
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert pick["order_id"] == order["id"]
    assert [ln["bin"] for ln in pick["lines"]] == ["A-03-M", "A-03-T"]  # the walk through bins
    assert {ln["sku"]: ln["qty"] for ln in pick["lines"]} == {"MUG": 2, "TEA": 1}
    assert st.picks("ST-PARIS-2", st.s2) == []


def test_a_full_pick_readies_the_shipment_and_leaves_the_list(api):
    st = build(api)
    order = st.order([("MUG", 2)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    r = st.confirm(pick, st.s1)
    assert r.status_code == 200, r.text
    assert r.json()["pick"]["status"] == "confirmed"
    view = st.get(order["id"])
    assert view["status"] == "picking" and view["shipments"][0]["status"] == "picked"
    assert st.picks("ST-PARIS-1", st.s1) == []
    assert "Picked" in [e["type"] for e in view["events"]]


def test_a_short_pick_corrects_the_shelf_and_resources_the_missing_units(api):
    st = build(api)
    order = st.order([("MUG", 3)])
    line_id = order["lines"][0]["id"]
    before = st.stock("MUG")
    [pick] = st.picks("ST-PARIS-1", st.s1)
    r = st.confirm(pick, st.s1, short={line_id: 1})
    assert r.status_code == 200, r.text
    view = st.get(order["id"])
    allocations = {a["node"]: a["qty"] for a in view["lines"][0]["allocations"]}
    assert allocations == {"ST-PARIS-1": 1, "DC-LYON": 2}  # every unit placed, none twice
    assert [s["node"] for s in view["shipments"]] == ["ST-PARIS-1", "DC-LYON"]
    assert view["shipments"][1]["promised_at"] > view["shipments"][0]["promised_at"]
    assert view["promise"]["delivery_date"] == view["shipments"][1]["promised_at"][:10]
    assert view["status"] == "allocated"
    after = st.stock("MUG")
    # The shelf lacked 2: counted off; the one picked is still held; the DC holds the other 2.
    assert after["ST-PARIS-1"]["on_hand"] == before["ST-PARIS-1"]["on_hand"] - 2
    assert after["ST-PARIS-1"]["reserved"] == 1
    assert after["DC-LYON"]["reserved"] == before["DC-LYON"]["reserved"] + 2
    types = [e["type"] for e in view["events"]]
    assert types.index("ShortPicked") < types.index("Resourced")


def test_a_short_pick_that_no_node_can_supply_is_refunded(api):
    st = build(api, dc_stock=0)
    order = st.order([("MUG", 2), ("TEA", 1)])
    mug, tea = (ln["id"] for ln in order["lines"])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert st.confirm(pick, st.s1, short={mug: 0}).status_code == 200
    view = st.get(order["id"])
    assert view["refunds"] == [
        {
            "id": view["refunds"][0]["id"],
            "line": mug,
            "amount_minor": 2 * 1299,
            "reason": "short pick: no node can supply",
        }
    ]
    lines = {ln["id"]: ln for ln in view["lines"]}
    assert lines[mug]["status"] == "cancelled" and lines[mug]["allocations"] == []
    assert lines[tea]["allocations"] == [
        {"node": "ST-PARIS-1", "qty": 1, "shipment": view["shipments"][0]["id"]}
    ]


def test_a_pick_confirmation_must_name_every_line_within_its_quantity(api):
    st = build(api)
    order = st.order([("MUG", 2), ("TEA", 1)])
    mug = order["lines"][0]["id"]
    [pick] = st.picks("ST-PARIS-1", st.s1)
    url = f"/v1/picks/{pick['id']}/confirm"
    missing = api.client.post(url, json={"lines": [{"line_id": mug, "picked": 2}]}, headers=st.s1)
    assert missing.status_code == 422 and "missing" in missing.json()["detail"]
    over = st.confirm(pick, st.s1, short={mug: 3})
    assert over.status_code == 422 and mug in over.json()["detail"]
    assert st.confirm(pick, st.s1).status_code == 200
    again = st.confirm(pick, st.s1)
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    unknown = api.client.post(
        "/v1/picks/PK-NOPE/confirm",
        json={"lines": [{"line_id": "x", "picked": 1}]},
        headers=api.ops,
    )
    assert unknown.status_code == 404


def test_a_store_key_cannot_see_or_confirm_another_stores_picks(api):
    st = build(api)
    st.order([("MUG", 1)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert api.client.get("/v1/stores/ST-PARIS-1/picks", headers=st.s2).status_code == 403
    r = st.confirm(pick, st.s2)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert api.client.get("/v1/stores/ST-PARIS-1/picks", headers=api.checkout).status_code == 403
    assert st.picks("ST-PARIS-1", st.s1)[0]["status"] == "open"  # nothing changed


def test_store_protection_keeps_the_last_units_for_walk_in_customers(api):
    st = build(api, store_stock=2, protection=2)
    order = st.order([("MUG", 1)])
    assert order["lines"][0]["allocations"][0]["node"] == "DC-LYON"
    shelf = st.stock("MUG")["ST-PARIS-1"]
    assert shelf["safety_stock"] == 2 and shelf["available"] == 0


def test_lines_short_in_one_pick_are_resourced_together_on_one_shipment_per_node(api):
    st = build(api)
    order = st.order([("MUG", 2), ("TEA", 2)])
    mug, tea = (ln["id"] for ln in order["lines"])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert st.confirm(pick, st.s1, short={mug: 1, tea: 1}).status_code == 200
    view = st.get(order["id"])
    assert [s["node"] for s in view["shipments"]] == ["ST-PARIS-1", "DC-LYON"]
    dc = view["shipments"][1]["id"]
    for line in view["lines"]:
        assert {"node": "DC-LYON", "qty": 1, "shipment": dc} in line["allocations"]


def test_a_shipment_whose_line_was_cancelled_ships_the_other_lines_units_only(api):
    st = build(api, store_stock=0)  # both lines from the DC, one shipment
    order = st.order([("MUG", 1), ("TEA", 2)])
    r = api.client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"lines": [f"{order['id']}-2"]},
        headers=api.checkout,
    )
    assert r.status_code == 200, r.text
    tea_before = _dc_row(api, "TEA")
    [shipment] = order["shipments"]
    r = api.client.post(
        f"/v1/shipments/{shipment['id']}/ship", json={"tracking": "T-1"}, headers=api.ops
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "shipped"
    assert _dc_row(api, "TEA") == tea_before  # the cancelled TEA went back, and stays
    mug = _dc_row(api, "MUG")
    assert mug["reserved"] == 0 and mug["on_hand"] == 9


def _dc_row(api, sku):
    rows = api.client.get(f"/v1/inventory/{sku}", headers=api.checkout).json()["nodes"]
    [row] = [r for r in rows if r["node"] == "DC-LYON"]
    return row
