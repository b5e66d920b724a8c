"""A store's capacity controls: a pause switch and a daily order limit, honoured by sourcing
and promise from the next request (the network serves the store as disabled)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from oms.db import tables
from tests.e2e.stores_fixture import build
from tests.e2e.test_store_pages import ORIGIN, csrf_of, login

URL = "/v1/stores/ST-PARIS-1/capacity"


def nodes_of(order) -> set[str]:
    return {a["node"] for ln in order["lines"] for a in ln["allocations"]}


def test_a_paused_store_gets_no_orders_until_switched_back(api):
    st = build(api)
    r = api.client.put(URL, json={"paused": True}, headers=st.s1)
    assert r.status_code == 200, r.text
    assert (r.json()["paused"], r.json()["taking_orders"]) == (True, False)
    assert nodes_of(st.order([("MUG", 1)])) == {"DC-LYON"}
    assert api.client.put(URL, json={"paused": False}, headers=st.s1).status_code == 200
    assert nodes_of(st.order([("MUG", 1)])) == {"ST-PARIS-1"}
    with api.state.sessions() as session:
        kinds = list(session.scalars(select(tables.events.c.type)))
    assert kinds.count("StoreCapacityChanged") == 2


def test_a_store_whose_orders_today_reached_its_limit_is_not_sourced(api):
    st = build(api)
    api.state.networks.refresh_s = 0  # re-read the controls on every request
    r = api.client.put(URL, json={"daily_order_limit": 1}, headers=api.ops)
    assert r.status_code == 200, r.text
    assert (r.json()["orders_today"], r.json()["left_today"]) == (0, 1)
    assert nodes_of(st.order([("MUG", 1)])) == {"ST-PARIS-1"}
    assert nodes_of(st.order([("MUG", 1)])) == {"DC-LYON"}
    body = api.client.get(URL, headers=st.s1).json()
    assert (body["orders_today"], body["left_today"], body["taking_orders"]) == (1, 0, False)


def test_capacity_is_for_the_stores_own_key_or_ops_and_checks_paused_until(api):
    st = build(api)
    assert api.client.get(URL, headers=st.s2).status_code == 403
    assert api.client.put(URL, json={"paused": True}, headers=api.checkout).status_code == 403
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    r = api.client.put(URL, json={"paused": True, "paused_until": past}, headers=st.s1)
    assert r.status_code == 422 and "paused_until" in r.text
    r = api.client.put(URL, json={"paused_until": past}, headers=st.s1)
    assert r.status_code == 422 and "paused_until" in r.text
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = api.client.put(URL, json={"paused": True, "paused_until": later}, headers=st.s1)
    assert r.status_code == 200 and r.json()["paused_until"] is not None


def test_the_capacity_page_pauses_the_store_by_form(api):
    api.client.base_url = ORIGIN  # the session cookie is Secure
    st = build(api)
    login(api, st.s1["X-API-Key"])
    page = api.client.get("/stores/ST-PARIS-1/capacity")
    assert page.status_code == 200 and "Taking orders" in page.text
    form = {"daily_order_limit": "-1", "csrf_token": csrf_of(page.text)}
    bad = api.client.post("/stores/ST-PARIS-1/capacity", data=form, headers={"Origin": ORIGIN})
    assert bad.status_code == 422 and "daily_order_limit" in bad.text
    form = {**form, "daily_order_limit": "5", "paused": "on", "paused_until": "2099-01-01T08:00"}
    r = api.client.post(
        "/stores/ST-PARIS-1/capacity",
        data=form,
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    shown = api.client.get(r.headers["location"]).text
    assert "Not taking orders" in shown and "until 2099-01-01 08:00 (Europe/Paris)" in shown
    body = api.client.get(URL, headers=st.s1).json()
    assert body["daily_order_limit"] == 5 and body["paused_until"].startswith("2099-01-01T07:00")
