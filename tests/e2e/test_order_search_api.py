"""GET /v1/orders and GET /v1/customers/{id}/orders through the app: filters, pages, the 422s
naming each parameter, store keys seeing only their store's orders, a customer's orders from
every channel with their returns."""

from __future__ import annotations

from typing import Any

from tests.e2e.stores_fixture import Stores, build
from tests.e2e.test_returns_api import delivered_order, returns_network, rma


def listed(api: Any, headers: dict[str, str], path: str = "/v1/orders", **params: Any) -> Any:
    r = api.client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def ids(api: Any, headers: dict[str, str], **params: Any) -> list[str]:
    return [o["id"] for o in listed(api, headers, **params)["data"]]


def a_day(api: Any) -> tuple[Stores, dict[str, dict[str, Any]]]:
    """Four orders, oldest first: a web ship order from the DC for Ana, a pickup at
    ST-PARIS-1, a store-to-web order placed by ST-PARIS-1's key, an app order for Bo."""
    st = returns_network(api)
    made = {
        "ana": st.order(
            [("TEA", 2)],
            destination={"lat": 45.75, "lon": 4.85},
            email="Ana@Example.com",
            phone="+33612345678",
        ),
        "pickup": st.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1"),
        "in_store": _store_order(st),
        "bo": st.order(
            [("TEA", 1), ("MUG", 1)], channel="app", email="bo@example.org", phone="0698765432"
        ),
    }
    return st, made


def _store_order(st: Stores, **who: Any) -> dict[str, Any]:
    body = {"lines": [{"sku": "MUG", "qty": 1}], "method": "pickup", "pickup_node": "ST-PARIS-1"}
    body |= who
    r = st.api.client.post("/v1/orders", json=body, headers=st.s1)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_orders_are_listed_newest_first_with_a_summary_each(api):
    _, made = a_day(api)
    page = listed(api, api.ops)
    assert page["object"] == "list" and page["has_more"] is False and page["next_cursor"] is None
    assert [o["id"] for o in page["data"]] == [made[k]["id"] for k in reversed(list(made))]
    bo = page["data"][0]
    assert bo["channel"] == "app" and bo["method"] == "ship" and bo["email"] == "bo@example.org"
    assert (bo["lines"], bo["units"], bo["total_minor"]) == (2, 2, 450 + 1299)
    assert bo["nodes"] and bo["returns"] == [] and bo["created_at"].endswith("+00:00")
    pickup = page["data"][2]
    assert pickup["pickup_node"] == "ST-PARIS-1" and "ST-PARIS-1" in pickup["nodes"]


def test_following_next_cursor_reads_every_order_once_while_others_are_placed(api):
    st, made = a_day(api)
    first = listed(api, api.checkout, limit=3)
    assert first["has_more"] is True and len(first["data"]) == 3
    newer = st.order([("TEA", 1)])  # placed between the pages
    second = listed(api, api.checkout, limit=3, cursor=first["next_cursor"])
    assert second["has_more"] is False and second["next_cursor"] is None
    seen = [o["id"] for o in first["data"] + second["data"]]
    assert seen == [made[k]["id"] for k in reversed(list(made))]
    assert ids(api, api.checkout, limit=1) == [newer["id"]]


def test_each_filter_finds_its_orders(api):
    _, made = a_day(api)
    mine = {k: v["id"] for k, v in made.items()}
    found = {
        "pickups": ids(api, api.ops, method="pickup"),
        "store channel": ids(api, api.ops, channel="store"),
        "web or app": ids(api, api.ops, channel="web,app"),
        "any case e-mail": ids(api, api.ops, email="ANA@example.COM"),
        "at the store": ids(api, api.ops, node="ST-PARIS-1"),
        "with a mug": ids(api, api.ops, sku="MUG"),
        "q id prefix": ids(api, api.ops, q=mine["pickup"][:-2]),
        "q e-mail": ids(api, api.ops, q="bo@example.org"),
        "q phone as written": ids(api, api.ops, q="06 98 76 54 32"),
        "q phone with +": ids(api, api.ops, q="+33 6 12 34 56 78"),
        "status": ids(api, api.ops, status=["created", "allocated", "picking"]),
        "none yet": ids(api, api.ops, created_before="2000-01-01T00:00:00Z"),
        "since then": ids(api, api.ops, created_after="2000-01-01T00:00:00+02:00"),
    }
    assert found["pickups"] == [mine["in_store"], mine["pickup"]]
    assert found["store channel"] == [mine["in_store"]]
    assert found["web or app"] == [mine["bo"], mine["pickup"], mine["ana"]]
    assert found["any case e-mail"] == [mine["ana"]] == found["q phone with +"]
    assert set(found["at the store"]) >= {mine["in_store"], mine["pickup"]}
    assert mine["ana"] not in found["at the store"]  # shipped from the DC
    assert found["with a mug"] == [mine["bo"], mine["in_store"], mine["pickup"]]
    assert mine["pickup"] in found["q id prefix"]
    assert found["q e-mail"] == [mine["bo"]] == found["q phone as written"]
    assert set(found["status"]) == set(mine.values())
    assert found["none yet"] == [] and len(found["since then"]) == 4
    assert ids(api, api.ops, channel="web", sku="MUG", method="pickup") == [mine["pickup"]]


def test_every_bad_parameter_is_a_422_naming_it(api):
    bad = {
        "status": {"status": "lost"},
        "channel": {"channel": "web,fax"},
        "method": {"method": "drone"},
        "limit": {"limit": 0},
        "cursor": {"cursor": "not-a-cursor"},
        "created_after": {"created_after": "2026-12-01T10:00:00"},
        "created_before": {"created_before": "yesterday"},
        "q": {"q": "x" * 300},
    }
    for name, params in bad.items():
        r = api.client.get("/v1/orders", params=params, headers=api.ops)
        assert r.status_code == 422, (name, r.text)
        assert r.json()["error"] == "invalid_input"
        assert any(f.startswith(f"{name}:") for f in r.json()["fields"]), (name, r.json())
    r = api.client.get("/v1/orders", params={"limit": 101, "status": "x"}, headers=api.ops)
    assert {f.split(":")[0] for f in r.json()["fields"]} == {"limit", "status"}
    assert (
        api.client.get("/v1/orders", params={"limit": "many"}, headers=api.ops).status_code == 422
    )
    assert api.client.get("/v1/orders").status_code == 401


def test_a_store_key_lists_only_the_orders_involving_its_store(api):
    st, made = a_day(api)
    own = ids(api, st.s1)
    assert {made["pickup"]["id"], made["in_store"]["id"]} <= set(own)
    assert made["ana"]["id"] not in own
    assert ids(api, st.s2) == []  # ST-PARIS-2 supplies and collects nothing
    assert ids(api, st.s2, q=made["pickup"]["id"]) == []


def test_a_customers_orders_from_every_channel_come_with_their_returns(api):
    st = returns_network(api)
    made = api.client.post("/v1/customers", json={"email": "ana@example.com"}, headers=api.ops)
    cus_ana = made.json()["id"]
    web = delivered_order(st, [("MUG", 1)], customer_id=cus_ana)
    in_store = _store_order(st, customer_id=cus_ana)
    st.order([("TEA", 1)])  # someone else's
    back = {"order_id": web["id"], "lines": [{"line_id": web["lines"][0]["id"], "qty": 1}],
            "reason": "defective", "method": "mail"}  # fmt: skip
    returned = rma(api, back)
    assert returned.status_code == 201, returned.text
    page = listed(api, api.checkout, f"/v1/customers/{cus_ana}/orders")
    assert [o["id"] for o in page["data"]] == [in_store["id"], web["id"]]
    assert [o["channel"] for o in page["data"]] == ["store", "web"]
    assert page["data"][1]["status"] == "delivered"
    assert page["data"][1]["returns"] == [
        {"id": returned.json()["id"], "status": returned.json()["status"]}
    ]
    only_web = listed(api, api.ops, f"/v1/customers/{cus_ana}/orders", channel="web")
    assert [o["id"] for o in only_web["data"]] == [web["id"]]
    # ST-PARIS-2's key sees none of them; ST-PARIS-1's the one it placed, at least.
    assert listed(api, st.s2, f"/v1/customers/{cus_ana}/orders")["data"] == []
    assert in_store["id"] in [
        o["id"] for o in listed(api, st.s1, f"/v1/customers/{cus_ana}/orders")["data"]
    ]


def test_the_orders_of_a_customer_that_does_not_exist_are_a_404_naming_it(api):
    r = api.client.get("/v1/customers/cus_nobody/orders", headers=api.ops)
    assert r.status_code == 404
    assert r.json()["error"] == "not_found" and "cus_nobody" in r.json()["detail"]
    r = api.client.get("/v1/customers/cus_nobody/orders?limit=0", headers=api.ops)
    assert r.status_code == 422 and r.json()["fields"][0].startswith("limit:")


def test_the_openapi_document_lists_the_search_parameters_and_errors(api):
    paths = api.client.get("/openapi.json").json()["paths"]
    search = paths["/v1/orders"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert names >= {"status", "channel", "method", "customer_id", "email", "node", "sku",
                     "created_after", "created_before", "q", "limit", "cursor"}  # fmt: skip
    assert {"401", "403", "422"} <= set(search["responses"])
    assert {"404", "422"} <= set(paths["/v1/customers/{customer_id}/orders"]["get"]["responses"])


def test_an_order_resourced_after_a_short_pick_is_found_at_its_new_store_and_still_at_the_old(
    api,
):
    st = build(api, dc_stock=0)
    order = st.order([("MUG", 3)])
    line = order["lines"][0]["id"]
    r = api.client.put("/v1/inventory/ST-PARIS-2/MUG", json={"on_hand": 3}, headers=api.ops)
    assert r.status_code == 200, r.text
    [pick] = st.picks("ST-PARIS-1", st.s1)
    r = st.confirm(pick, st.s1, short={line: 0})  # nothing on the shelf
    assert r.status_code == 200, r.text
    assert [a["node"] for a in st.get(order["id"])["lines"][0]["allocations"]] == ["ST-PARIS-2"]
    assert ids(api, api.ops, node="ST-PARIS-2") == [order["id"]]
    assert ids(api, st.s2) == [order["id"]]
    # The store that short-picked keeps the order in its list, as it keeps its page (the
    # shipment stays): both say a node once involved stays involved.
    assert ids(api, st.s1) == ids(api, api.ops, node="ST-PARIS-1") == [order["id"]]
    assert api.client.get(f"/v1/orders/{order['id']}", headers=st.s1).status_code == 200
    [summary] = listed(api, st.s2)["data"]
    assert summary["nodes"] == ["ST-PARIS-1", "ST-PARIS-2"]
