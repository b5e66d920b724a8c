"""GET /v1/events through the served app: the app's own dispatcher sequences what commits, and
a client following the cursor reads it once, in order, filtered as asked."""

from __future__ import annotations

import time

import pytest

from tests.e2e.test_catalog_api import setup_stock


def read_until(api, count: int, **params) -> dict:
    """The first page once it holds ``count`` events (the dispatcher ticks every 0.2 s)."""
    deadline = time.monotonic() + 30
    while True:
        page = api.client.get("/v1/events", params=params, headers=api.ops)
        assert page.status_code == 200, page.text
        body = page.json()
        if len(body["data"]) >= count or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_the_feed_shows_what_committed_in_order_with_its_data(api):
    setup_stock(api, on_hand=10)
    page = read_until(api, 3)
    assert [e["type"] for e in page["data"]] == ["node.created", "sku.updated", "stock.changed"]
    stock = page["data"][2]
    assert stock["id"].startswith("evt_") and stock["timestamp"].endswith("Z")
    assert stock["data"] == {
        "node_id": "DC-LYON",
        "sku_id": "MUG",
        "change": "set",
        "previous": {"on_hand": 0, "safety_stock": 0},
        "on_hand": 10,
        "reserved": 0,
        "safety_stock": 0,
        "atp": 10,
    }
    assert page["object"] == "list" and page["has_more"] is False


def test_following_the_cursor_reads_each_event_once_and_filters_by_family(api):
    setup_stock(api, on_hand=10)
    first = read_until(api, 3)
    assert api.client.post("/v1/nodes/DC-LYON/disable", headers=api.ops).status_code == 200
    later = read_until(api, 1, after=first["next_cursor"])
    assert [e["type"] for e in later["data"]] == ["node.disabled"]
    again = api.client.get("/v1/events", params={"after": later["next_cursor"]}, headers=api.ops)
    assert again.json()["data"] == []
    nodes = api.client.get("/v1/events", params={"types": "node.*"}, headers=api.ops).json()
    assert [e["type"] for e in nodes["data"]] == ["node.created", "node.disabled"]
    two = api.client.get(
        "/v1/events", params=[("types", "sku.updated"), ("types", "node.disabled")],
        headers=api.ops,
    ).json()  # fmt: skip
    assert [e["type"] for e in two["data"]] == ["sku.updated", "node.disabled"]
    paged = api.client.get("/v1/events", params={"limit": 2}, headers=api.ops).json()
    assert len(paged["data"]) == 2 and paged["has_more"] is True


@pytest.mark.parametrize(
    ("params", "field"),
    [({"after": "not-a-cursor"}, "after"), ({"types": "order.nope"}, "types"),
     ({"limit": 0}, "limit"), ({"limit": 1001}, "limit")],
)  # fmt: skip
def test_a_bad_cursor_type_or_limit_is_422_naming_it(api, params, field):
    r = api.client.get("/v1/events", params=params, headers=api.ops)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_input" and field in r.json()["detail"]


def test_only_ops_keys_read_the_feed(api):
    assert api.client.get("/v1/events", headers=api.checkout).status_code == 403
    assert api.client.get("/v1/events").status_code == 401
