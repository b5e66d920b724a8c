"""The store's Today page and its JSON twin: the count of each queue with its link, the hours
today and the capacity left; where a store key lands after signing in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.stores_fixture import build
from tests.e2e.test_store_pages import ORIGIN, login

TODAY = "/v1/stores/ST-PARIS-1/today"


def test_the_json_today_counts_each_queue_and_the_capacity_left(api):
    st = build(api, store_stock=3)
    st.order([("MUG", 2)])  # ship-from-store: an open pick at ST-PARIS-1
    picked = st.order([("TEA", 1)])
    [pick] = [p for p in st.picks("ST-PARIS-1", st.s1) if p["order_id"] == picked["id"]]
    assert st.confirm(pick, st.s1).status_code == 200  # picked, to pack
    api.client.post("/v1/stores/ST-PARIS-1/counts", json={"skus": ["MUG"]}, headers=api.ops)
    r = api.client.get(TODAY, headers=st.s1)
    assert r.status_code == 200, r.text
    day = r.json()
    assert day["queues"] == {
        "to_pick": 1,
        "to_pack": 1,
        "ready_for_pickup": 0,
        "overdue_pickups": 0,
        "incoming_transfers": 0,
        "returns_to_receive": 0,
        "counts_requested": 1,
    }
    assert (day["capacity_units"], day["units_allocated_today"]) == (40, 3)
    assert day["capacity_left_today"] == 37
    hours = day["hours"]
    assert hours["open_today"] and (hours["opens"], hours["closes"]) == ("00:00", "23:59")
    assert hours["timezone"] == "Europe/Paris"
    assert api.client.get(TODAY, headers=st.s2).status_code == 403
    assert api.client.get(TODAY, headers=api.checkout).status_code == 403


def test_a_store_key_lands_on_today_with_a_link_to_each_queue_and_the_navigation(api):
    api.client.base_url = ORIGIN
    st = build(api)
    st.order([("MUG", 1)])
    r = login(api, st.s1["X-API-Key"])
    assert r.headers["location"] == "/stores/ST-PARIS-1"
    page = api.client.get("/stores/ST-PARIS-1")
    assert page.status_code == 200, page.text
    html = page.text
    assert '<li data-queue="to_pick"><a href="/stores/ST-PARIS-1/picklist">' in html
    for queue in ("pack", "pickups", "incoming", "returns", "counts"):
        assert f'href="/stores/ST-PARIS-1/{queue}"' in html
    assert 'aria-label="Store queues"' in html and 'action="/stores/logout"' in html
    assert "<script" not in html and "00:00–23:59" in html
    assert "39</strong> of 40 units left" in html
    assert api.client.get("/stores/ST-PARIS-2").status_code == 403


def test_today_shows_the_stores_capacity_controls_as_set_over_json(api):
    api.client.base_url = ORIGIN
    st = build(api, store_stock=3)
    st.order([("MUG", 1)])  # sourced to ST-PARIS-1: one order today
    until = (datetime.now(UTC) + timedelta(hours=2)).replace(microsecond=0)
    controls = {"daily_order_limit": 5, "paused": True, "paused_until": until.isoformat()}
    r = api.client.put("/v1/stores/ST-PARIS-1/capacity", json=controls, headers=st.s1)
    assert r.status_code == 200, r.text
    got = api.client.get(TODAY, headers=st.s1).json()["capacity_controls"]
    assert (got["daily_order_limit"], got["orders_today"], got["left_today"]) == (5, 1, 4)
    assert got["paused"] and not got["taking_orders"]
    assert datetime.fromisoformat(got["paused_until"]) == until
    login(api, st.s1["X-API-Key"])
    html = api.client.get("/stores/ST-PARIS-1").text
    assert "<strong>4</strong> of 5 orders left today · 1 order today" in html
    assert f"<strong>Paused</strong> until {until:%Y-%m-%d %H:%M} UTC" in html
