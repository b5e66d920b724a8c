"""Bulk stock sync and export over HTTP: formats, row-by-row validation, error policies, the
below-reserved moves, and who may call them."""

from __future__ import annotations

import json

from tests.e2e.stores_fixture import PARIS, Stores, build

CSV = {"Content-Type": "text/csv"}
NDJSON = {"Content-Type": "application/x-ndjson"}


def sync(api, body: str, headers=CSV, key=None, **query):
    return api.client.post(
        "/v1/inventory/sync",
        content=body.encode(),
        params=query,
        headers={**(key or api.ops), **headers},
    )


def export(api, key=None, **query):
    return api.client.get("/v1/inventory/export", params=query, headers=key or api.ops)


def levels(st: Stores, sku: str) -> dict[str, tuple[int, int, int]]:
    return {n: (r["on_hand"], r["reserved"], r["safety_stock"]) for n, r in st.stock(sku).items()}


def test_an_absolute_csv_sets_each_row_and_reports_unchanged_rows_without_an_event(api):
    st = build(api, dc_stock=10, store_stock=3)
    body = "node,sku,on_hand,safety_stock\nDC-LYON,MUG,25,2\nST-PARIS-1,MUG,3,\nST-PARIS-2,TEA,7,\n"
    r = sync(api, body, source="ERP-2024-001")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["received"], out["applied"], out["unchanged"], out["rejected"]) == (3, 2, 1, 0)
    assert out["errors"] == [] and out["resourced"] == []
    assert levels(st, "MUG")["DC-LYON"] == (25, 0, 2)
    assert levels(st, "TEA")["ST-PARIS-2"] == (7, 0, 0)
    with api.state.unit_of_work() as uow:
        history = uow.events.history("inventory", "DC-LYON/MUG")
        untouched = uow.events.history("inventory", "ST-PARIS-1/MUG")
    synced = [e for e in history if e.type == "StockSynced"]
    assert len(synced) == 1
    details = synced[0].payload
    assert details["source"] == "ERP-2024-001" and details["mode"] == "absolute"
    assert details["previous"] == {"on_hand": 10, "safety_stock": 0} and details["row"] == 1
    assert not [e for e in untouched if e.type == "StockSynced"]


def test_reject_all_lists_every_bad_row_by_number_and_field_and_changes_nothing(api):
    st = build(api)
    body = (
        "node,sku,on_hand\n"
        "DC-LYON,MUG,5\n"  # row 1: good
        "DC-NOWHERE,MUG,5\n"  # row 2: unknown node
        "DC-LYON,NOPE,5\n"  # row 3: unknown SKU
        "DC-LYON,TEA,-1\n"  # row 4: negative
        "DC-LYON,TEA,lots\n"  # row 5: not a number
        "DC-LYON,MUG,6\n"  # row 6: repeats row 1
        "DC-LYON,TEA,1000000001\n"  # row 7: over MAX_UNITS
    )
    r = sync(api, body)
    assert r.status_code == 422, r.text
    out = r.json()
    assert out["error"] == "invalid_input"
    got = [(e["row"], e["field"]) for e in out["errors"]]
    assert got == [
        (2, "node"),
        (3, "sku"),
        (4, "on_hand"),
        (5, "on_hand"),
        (6, "sku"),
        (7, "on_hand"),
    ]
    assert "row 1" in out["errors"][4]["detail"]
    assert levels(st, "MUG")["DC-LYON"] == (10, 0, 0)


def test_skip_rows_applies_the_good_rows_and_reports_the_others(api):
    st = build(api)
    body = "node,sku,on_hand\nDC-LYON,MUG,4\nDC-LYON,NOPE,5\n"
    r = sync(api, body, on_error="skip_rows")
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["applied"], out["rejected"], out["errors_left_off"]) == (1, 1, 0)
    assert out["errors"] == [{"row": 2, "field": "sku", "detail": 'unknown SKU "NOPE"'}]
    assert levels(st, "MUG")["DC-LYON"] == (4, 0, 0)


def test_a_header_that_does_not_fit_the_mode_is_refused_naming_the_header(api):
    build(api)
    r = sync(api, "node,sku,delta\nDC-LYON,MUG,4\n")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "header" and "mode=delta" in r.json()["detail"]
    r = sync(api, "node,sku,on_hand\nDC-LYON,MUG,4\n", mode="delta")
    assert r.status_code == 422 and "header" in r.json()["detail"]
    r = sync(api, "node,sku,on_hand\n", headers={"Content-Type": "application/xml"})
    assert r.status_code == 422 and "Content-Type" in r.json()["detail"]


def test_json_lines_in_delta_mode_move_on_hand_and_refuse_going_below_zero(api):
    st = build(api, dc_stock=10)
    lines = [
        {"node": "DC-LYON", "sku": "MUG", "delta": -4},
        {"node": "DC-LYON", "sku": "TEA", "delta": -11},
    ]
    body = "\n".join(json.dumps(x) for x in lines) + "\n"
    r = sync(api, body, headers=NDJSON, mode="delta", on_error="skip_rows")
    assert r.status_code == 200, r.text
    assert r.json()["errors"][0]["row"] == 2 and r.json()["errors"][0]["field"] == "delta"
    assert levels(st, "MUG")["DC-LYON"] == (6, 0, 0)
    assert levels(st, "TEA")["DC-LYON"] == (10, 0, 0)


def test_the_export_is_accepted_back_by_the_sync_as_it_is(api):
    build(api)
    sync(api, "node,sku,on_hand,safety_stock\nST-PARIS-2,MUG,9,1\n")
    first = export(api)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/csv")
    lines = first.text.splitlines()
    assert lines[0] == "node,sku,on_hand,safety_stock,reserved,atp"
    assert "ST-PARIS-2,MUG,9,1,0,8" in lines
    again = sync(api, first.text)
    assert again.status_code == 200 and again.json()["applied"] == 0
    assert again.json()["unchanged"] == len(lines) - 1
    assert export(api).text == first.text
    one = export(api, node="ST-PARIS-2").text.splitlines()
    assert one == ["node,sku,on_hand,safety_stock,reserved,atp", "ST-PARIS-2,MUG,9,1,0,8"]
    assert export(api, node="NOWHERE").status_code == 404


def test_store_keys_export_their_own_node_only_and_never_sync(api):
    st = build(api)
    own = export(api, key=st.s1)
    assert own.status_code == 200
    assert {ln.split(",")[0] for ln in own.text.splitlines()[1:]} == {"ST-PARIS-1"}
    assert export(api, key=st.s1, node="ST-PARIS-2").status_code == 403
    assert sync(api, "node,sku,on_hand\nST-PARIS-1,MUG,1\n", key=st.s1).status_code == 403
    assert export(api, key=api.checkout).status_code == 403


def test_an_order_allocated_at_a_store_synced_below_it_moves_to_the_dc_with_a_new_shipment(api):
    st = build(api, dc_stock=10, store_stock=3)
    order = st.order([("MUG", 2)])
    [shipment] = order["shipments"]
    assert shipment["node"] == "ST-PARIS-1"
    r = sync(api, "node,sku,on_hand\nST-PARIS-1,MUG,0\n", source="count-17")
    assert r.status_code == 200, r.text
    [moved] = r.json()["resourced"]
    assert moved == {
        "kind": "order",
        "id": order["id"],
        "node": "ST-PARIS-1",
        "sku": "MUG",
        "units": 2,
        "placed": [{"node": "DC-LYON", "qty": 2}],
        "short": 0,
    }
    assert levels(st, "MUG")["ST-PARIS-1"] == (0, 0, 0)
    assert levels(st, "MUG")["DC-LYON"] == (10, 2, 0)
    after = st.get(order["id"])
    by_node = {s["node"]: s["status"] for s in after["shipments"]}
    assert by_node == {"ST-PARIS-1": "cancelled", "DC-LYON": "created"}
    assert [p["status"] for p in after["picks"]] == ["cancelled"]
    assert any(e["type"] == "Resourced" for e in after["events"])


def test_an_order_no_node_can_take_is_reported_short_cancelled_and_refunded(api):
    st = build(api, dc_stock=0, store_stock=3)
    order = st.order([("MUG", 1)])
    r = sync(api, "node,sku,on_hand\nST-PARIS-1,MUG,0\n")
    assert r.status_code == 200, r.text
    [moved] = r.json()["resourced"]
    assert (moved["placed"], moved["short"]) == ([], 1)
    after = st.get(order["id"])
    assert after["lines"][0]["status"] == "cancelled"
    assert [f["amount_minor"] for f in after["refunds"]] == [1299]
    assert any(e["type"] == "LineShort" for e in after["events"])
    assert levels(st, "MUG")["ST-PARIS-1"] == (0, 0, 0)


def test_a_reservation_held_at_a_store_synced_below_it_is_held_elsewhere(api):
    st = build(api, dc_stock=10, store_stock=3)
    cart = {"lines": [{"sku": "MUG", "qty": 2}], "destination": PARIS, "method": "ship"}
    res = api.client.post("/v1/reservations", json=cart, headers=api.checkout).json()
    assert [ln["node"] for ln in res["lines"]] == ["ST-PARIS-1"]
    r = sync(api, "node,sku,on_hand\nST-PARIS-1,MUG,1\n")
    assert r.status_code == 200, r.text
    [moved] = r.json()["resourced"]
    assert (moved["kind"], moved["units"], moved["placed"], moved["short"]) == (
        "reservation",
        1,
        [{"node": "DC-LYON", "qty": 1}],
        0,
    )
    held = api.client.get(f"/v1/reservations/{res['id']}", headers=api.checkout).json()
    assert sorted((ln["node"], ln["qty"]) for ln in held["lines"]) == [
        ("DC-LYON", 1),
        ("ST-PARIS-1", 1),
    ]
    assert levels(st, "MUG")["ST-PARIS-1"] == (1, 1, 0)
    assert levels(st, "MUG")["DC-LYON"] == (10, 1, 0)
