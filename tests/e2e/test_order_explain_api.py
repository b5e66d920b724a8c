"""GET /v1/orders/{id}/explain: right after an order is placed the sourcer agrees with its
plan; once its node is out it would choose another; picked units are fixed; a store key sees
only its store's orders, as the order read."""

from __future__ import annotations

from oms.promise.lookahead_refresh import refresh_once
from tests.e2e.stores_fixture import PARIS, build
from tests.e2e.test_sourcing_policy_api import (  # noqa: F401 (lookahead: the fixture)
    NOW,
    last_weeks_orders,
    lookahead,
    network,
)


def explain(api, order_id, key=None):
    r = api.client.get(f"/v1/orders/{order_id}/explain", headers=key or api.ops)
    assert r.status_code == 200, r.text
    return r.json()


def placed_rows(order) -> set[tuple[str, str, str, int]]:
    return {
        (ln["id"], ln["sku"], a["node"], a["qty"])
        for ln in order["lines"]
        for a in ln["allocations"]
    }


def plan_rows(plan) -> set[tuple[str, str, str, int]]:
    return {(a["line_id"], a["sku"], a["node"], a["qty"]) for a in plan["allocations"]}


def test_right_after_placing_an_order_the_sourcer_agrees_with_its_allocations(api):
    stores = build(api)
    order = stores.order([("MUG", 2), ("TEA", 1)])
    why = explain(api, order["id"])
    assert why["order_id"] == order["id"] and why["fixed"] == []
    assert why["agrees"] is True
    assert plan_rows(why["current"]) == placed_rows(order)
    assert why["now"]["nodes"] == why["current"]["nodes"] == ["ST-PARIS-1"]
    assert abs(why["now"]["cost"]["total"] - why["current"]["cost"]["total"]) < 1e-6
    assert {a["verdict"] for a in why["now"]["alternatives"]} >= {"costlier"}


def test_a_pickup_order_is_re_decided_at_its_own_store(api):
    stores = build(api)
    order = stores.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1")
    why = explain(api, order["id"])
    assert why["agrees"] is True and why["now"]["nodes"] == ["ST-PARIS-1"]
    assert why["current"]["cost"]["shipping"] == 0.0  # collected where it is held


def test_once_its_node_is_out_the_sourcer_would_choose_another(api):
    stores = build(api)
    order = stores.order([("MUG", 2)])
    r = api.client.post("/v1/nodes/ST-PARIS-1/disable", headers=api.ops)
    assert r.status_code == 200, r.text
    why = explain(api, order["id"])
    assert why["agrees"] is False
    assert why["current"]["nodes"] == ["ST-PARIS-1"] and why["now"]["nodes"] == ["DC-LYON"]


def test_picked_units_are_fixed_and_nothing_is_left_to_re_decide(api):
    stores = build(api)
    order = stores.order([("MUG", 1)])
    pick = stores.picks("ST-PARIS-1", stores.s1)[0]
    assert stores.confirm(pick, stores.s1).status_code == 200
    why = explain(api, order["id"])
    assert why["current"] is None and why["now"] is None and why["agrees"] is None
    assert [(f["sku"], f["node"], f["qty"]) for f in why["fixed"]] == [("MUG", "ST-PARIS-1", 1)]


def test_a_store_key_explains_its_own_stores_orders_only_as_it_reads_them(api):
    stores = build(api)
    order = stores.order([("MUG", 1)])  # from ST-PARIS-1
    url = f"/v1/orders/{order['id']}"
    assert explain(api, order["id"], stores.s1)["agrees"] is True
    other = api.client.get(f"{url}/explain", headers=stores.s2)
    assert other.status_code == api.client.get(url, headers=stores.s2).status_code == 403
    assert api.client.get(f"{url}/explain", headers=api.checkout).status_code == 403
    assert api.client.get(f"{url}/explain").status_code == 401
    missing = api.client.get("/v1/orders/NOPE/explain", headers=api.ops)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_the_order_explain_route_is_documented_with_its_errors(api):
    op = api.client.get("/openapi.json").json()["paths"]["/v1/orders/{order_id}/explain"]["get"]
    assert {"200", "401", "403", "404"} <= set(op["responses"])
    assert "agrees" in op["description"]


def test_a_cancelled_line_is_neither_re_decided_nor_listed(api):
    stores = build(api)
    order = stores.order([("MUG", 1), ("TEA", 1)])
    mug = next(ln["id"] for ln in order["lines"] if ln["sku"] == "MUG")
    r = api.client.post(f"/v1/orders/{order['id']}/cancel", json={"lines": [mug]}, headers=api.ops)
    assert r.status_code == 200, r.text
    why = explain(api, order["id"])
    assert why["fixed"] == [] and why["agrees"] is True
    assert [(a["sku"], a["qty"]) for a in why["current"]["allocations"]] == [("TEA", 1)]


def test_under_lookahead_the_order_agrees_with_its_priced_plan(lookahead):  # noqa: F811
    network(lookahead)
    last_weeks_orders(lookahead)
    refresh_once(lookahead.state.read_uow, lookahead.state.networks, weeks=1, now=NOW)
    body = {"lines": [{"sku": "MUG", "qty": 3}], "destination": PARIS, "method": "ship"}
    r = lookahead.client.post("/v1/orders", json=body, headers=lookahead.checkout)
    assert r.status_code == 201, r.text
    why = explain(lookahead, r.json()["id"])
    assert why["agrees"] is True and why["current"]["nodes"] == ["DC-LYON"]
    assert why["now"]["policy"] == "lookahead" and why["now"]["priced"] is True
    assert all(a["lookahead_price"] is not None for a in why["current"]["allocations"])
