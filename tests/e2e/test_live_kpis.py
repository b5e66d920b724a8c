"""Live KPIs over HTTP, on data made through the API: web orders shipped, collected in a store
and short picked, an associate's order, returns in store and by mail, promises asked. Every
figure is worked out by hand; only ops keys may read them; a bad period is a 422 naming it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from oms.db import tables
from tests.e2e.stores_fixture import build, store

LYON = {"lat": 45.76, "lon": 4.84}  # next to the DC: ship orders are sourced there


def day_start(days: int = 0) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


def period(**extra):
    """Yesterday, today and tomorrow (UTC), by day."""
    return {"from": day_start(-1).isoformat(), "to": day_start(2).isoformat(), **extra}


def ship_and_deliver(st, order):
    api = st.api
    for s in st.get(order["id"])["shipments"]:
        r = api.client.post(
            f"/v1/shipments/{s['id']}/ship", json={"tracking": "T"}, headers=api.ops
        )
        assert r.status_code == 200, r.text
        r = api.client.post(f"/v1/shipments/{s['id']}/deliver", headers=api.ops)
        assert r.status_code == 200, r.text


def pick_of(st, order, short=None):
    [pick] = [p for p in st.picks("ST-PARIS-1", st.s1) if p["order_id"] == order["id"]]
    r = st.confirm(pick, st.s1, short=short)
    assert r.status_code == 200, r.text


def give_back(api, order, method, reason, **extra):
    line = order["lines"][0]
    body = {
        "order_id": order["id"],
        "lines": [{"line_id": line["id"], "qty": 1}],
        "reason": reason,
        "method": method,
        **extra,
    }
    r = api.client.post("/v1/returns", json=body, headers=api.checkout)
    assert r.status_code == 201, r.text
    return r.json()


def promise_passed(api, order_id):
    """Time passes: the order's promise is now two days ago."""
    with api.state.engine.begin() as db:
        s = tables.shipments.c
        db.execute(
            update(tables.shipments).where(s.order_id == order_id).values(promised_at=day_start(-2))
        )


@pytest.fixture
def shop(api):
    st = build(api)
    r = api.client.post(
        "/v1/nodes", json=store("ST-LYON", 45.76, 4.83, accepts_returns=True), headers=api.ops
    )
    assert r.status_code == 201, r.text
    # 1. a web order shipped from the DC and delivered, later mailed back (changed mind)
    shipped = st.order([("MUG", 1)], destination=LYON)
    ship_and_deliver(st, shipped)
    # 2. a web order collected in a store: picked there, ready for pickup
    collected = st.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1", destination=None)
    pick_of(st, collected)
    # 3. an associate's order for a customer (store-to-web), not shipped, its promise passed
    r = api.client.post(
        "/v1/orders",
        json={"lines": [{"sku": "TEA", "qty": 1}], "destination": LYON},
        headers=st.s1,
    )
    assert r.status_code == 201 and r.json()["channel"] == "store", r.text
    promise_passed(api, r.json()["id"])
    # 4. a web order delivered, then brought to a store: the wrong item
    wrong = st.order([("TEA", 1)], destination=LYON)
    ship_and_deliver(st, wrong)
    give_back(api, wrong, "in_store", "wrong_item", store="ST-LYON")
    give_back(api, shipped, "mail", "changed_mind")
    # 5. a pickup short picked at the store (1 TEA of 2 found; the other comes from the DC)
    short = st.order([("TEA", 2)], method="pickup", pickup_node="ST-PARIS-1", destination=None)
    pick_of(st, short, short={short["lines"][0]["id"]: 1})
    # promises: a cart of two lines in stock, and one whose MUG line cannot be met
    for lines in ([("MUG", 1), ("TEA", 1)], [("MUG", 500), ("TEA", 1)]):
        body = {"lines": [{"sku": s, "qty": q} for s, q in lines], "destination": LYON}
        r = api.client.post("/v1/promise", json=body, headers=api.checkout)
        assert r.status_code == 200, r.text
    return st


def test_the_kpis_of_orders_made_through_the_api_are_exact(api, shop):
    r = api.client.get("/v1/kpis", params=period(), headers=api.ops)
    assert r.status_code == 200, r.text
    k = r.json()
    assert k["bucket"] == "day" and k["from"] == day_start(-1).isoformat()
    assert k["orders_by_channel"]["value"] == {"store": 1, "web": 4}
    omni = k["omnichannel_share"]  # the pickup, the store's order, the return in store, the short
    assert (omni["numerator"], omni["denominator"], omni["value"]) == (4, 5, 0.8)
    errors = k["order_error_rate"]  # the wrong item and the short pick
    assert (errors["numerator"], errors["denominator"]) == (2, 5)
    returns = k["cross_channel_return_rate"]
    assert (returns["numerator"], returns["denominator"], returns["value"]) == (1, 2, 0.5)
    on_time = k["on_time_rate"]  # delivered, delivered, ready: on time; the store's: late
    assert (on_time["numerator"], on_time["denominator"], on_time["value"]) == (3, 4, 0.75)
    available = k["availability_rate"]
    assert (available["numerator"], available["denominator"]) == (3, 4)
    processing = k["processing_hours"]  # two shipped, one ready; minutes, not hours
    assert processing["count"] == 3 and 0 <= processing["p50"] <= processing["p90"] < 1
    accuracy = k["stock_accuracy"]
    assert accuracy["value"] is None and accuracy["reason"] == "no counts recorded"
    assert all(k[key]["definition"] for key in k if isinstance(k[key], dict))


def test_the_series_puts_everything_on_today(api, shop):
    k = api.client.get("/v1/kpis", params=period(), headers=api.ops).json()
    starts = [b["start"] for b in k["omnichannel_share"]["series"]]
    assert starts == [day_start(d).isoformat() for d in (-1, 0, 1)]
    yesterday, today, tomorrow = k["omnichannel_share"]["series"]
    assert yesterday["value"] is None and tomorrow["denominator"] == 0
    assert (today["numerator"], today["denominator"]) == (4, 5)
    assert [b["value"] for b in k["orders_by_channel"]["series"]] == [
        {},
        {"store": 1, "web": 4},
        {},
    ]
    week = api.client.get("/v1/kpis", params=period(bucket="week"), headers=api.ops).json()
    assert sum(b["denominator"] for b in week["on_time_rate"]["series"]) == 4


def test_only_ops_keys_read_the_kpis(api, shop):
    assert api.client.get("/v1/kpis", params=period(), headers=api.checkout).status_code == 403
    assert api.client.get("/v1/kpis", params=period(), headers=shop.s1).status_code == 403
    assert api.client.get("/v1/kpis", params=period()).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-09-01T00:00:00", "to": "2026-09-02T00:00:00Z"}, "from"),
        ({"from": "2026-09-01T00:00:00Z", "to": "soon"}, "to"),
        ({"from": "2026-09-02T00:00:00Z", "to": "2026-09-01T00:00:00Z"}, "to"),
        ({"from": "2024-09-01T00:00:00Z", "to": "2026-09-01T00:00:00Z"}, "to"),
        (
            {"from": "2026-09-01T00:00:00Z", "to": "2026-09-02T00:00:00Z", "bucket": "hour"},
            "bucket",
        ),
        ({"from": "2026-09-01T00:00:00Z"}, "to"),
    ],
)
def test_a_bad_period_is_a_422_naming_the_parameter(api, params, field):
    r = api.client.get("/v1/kpis", params=params, headers=api.ops)
    assert r.status_code == 422, r.text
    assert field in str(r.json()["fields"]) or field in r.json()["detail"]
