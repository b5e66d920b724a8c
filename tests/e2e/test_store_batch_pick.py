"""The batch pick over JSON: open picks with product names, one walk through the store across
several orders (by bin, then SKU), confirmed together."""

from __future__ import annotations

from tests.e2e.stores_fixture import build


def named(api) -> None:
    r = api.client.put(
        "/v1/skus/MUG", json={"name": "Blue mug", "price_minor": 1299}, headers=api.ops
    )
    assert r.status_code == 200, r.text


def test_open_picks_carry_the_products_names(api):
    st = build(api)
    named(api)
    st.order([("MUG", 1)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert [(ln["sku"], ln["name"]) for ln in pick["lines"]] == [("MUG", "Blue mug")]


def test_a_batch_walks_the_bins_once_across_orders_and_confirms_them_together(api):
    st = build(api)
    named(api)
    first, second = st.order([("TEA", 1), ("MUG", 1)]), st.order([("MUG", 1)])
    ids = {p["order_id"]: p["id"] for p in st.picks("ST-PARIS-1", st.s1)}
    both = f"{ids[first['id']]},{ids[second['id']]}"
    r = api.client.get(f"/v1/stores/ST-PARIS-1/batch?picks={both}", headers=st.s1)
    assert r.status_code == 200, r.text
    stops = r.json()["stops"]
    assert [(s["bin"], s["sku"], s["name"], s["qty"]) for s in stops] == [
        ("A-03-M", "MUG", "Blue mug", 2),
        ("A-03-T", "TEA", "TEA", 1),
    ]
    assert {ln["order_id"] for ln in stops[0]["lines"]} == {first["id"], second["id"]}
    body = {
        "picks": [
            {"pick_id": ln["pick_id"], "lines": [{"line_id": ln["line_id"], "picked": ln["qty"]}]}
            for ln in stops[0]["lines"]
            if ln["order_id"] == second["id"]
        ]
    }
    r = api.client.post("/v1/stores/ST-PARIS-1/batch/confirm", json=body, headers=st.s1)
    assert r.status_code == 200, r.text
    assert r.json() == {"confirmed": [ids[second["id"]]]}
    assert st.get(second["id"])["shipments"][0]["status"] == "picked"


def test_a_batch_of_another_stores_pick_is_refused(api):
    st = build(api)
    st.order([("MUG", 1)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    url = f"/v1/stores/ST-PARIS-2/batch?picks={pick['id']}"
    assert api.client.get(url, headers=st.s1).status_code == 403
    r = api.client.get(url, headers=st.s2)
    assert r.status_code == 422 and "picks" in r.text
