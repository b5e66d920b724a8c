"""POST /v1/sourcing/explain: the plan it explains is the one the promise offers and the order
gets for the same cart; its alternatives say why the others lost; errors name the record."""

from __future__ import annotations

from oms.promise.lookahead_refresh import refresh_once
from tests.e2e.stores_fixture import PARIS, build
from tests.e2e.test_sourcing_policy_api import (  # noqa: F401 (lookahead: the fixture)
    NOW,
    last_weeks_orders,
    lookahead,
    network,
)

EXPLAIN = "/v1/sourcing/explain"
CART = {"lines": [{"sku": "MUG", "qty": 2}, {"sku": "TEA", "qty": 1}], "destination": PARIS}


def explain(api, body, key=None):
    r = api.client.post(EXPLAIN, json=body, headers=key or api.ops)
    assert r.status_code == 200, r.text
    return r.json()


def rows(allocations) -> set[tuple[str, str, int]]:
    return {(a["sku"], a["node"], a["qty"]) for a in allocations}


def promised(api, body, option_id):
    r = api.client.post("/v1/promise", json=body, headers=api.checkout)
    assert r.status_code == 200, r.text
    return next(o for o in r.json()["options"] if o["id"] == option_id)


def test_explain_chooses_the_promises_standard_plan_at_the_promises_cost(api):
    build(api)
    why = explain(api, CART, api.checkout)
    standard = promised(api, CART, "standard")
    assert rows(why["allocations"]) == rows(standard["allocations"])
    assert (
        why["cost"]["total"] == round(standard["cost"], 2)
        or abs(why["cost"]["total"] - standard["cost"]) < 0.01
    )
    c = why["cost"]
    assert abs(c["total"] - (c["shipping"] + c["handling"] + c["split"] + c["unfilled"])) < 1e-3
    assert why["policy"] == "online" and why["priced"] is False and why["stock_value"] is None
    assert why["nodes"] == ["ST-PARIS-1"] and why["shipments"] == 1


def test_the_order_placed_for_the_cart_is_allocated_where_explain_said(api):
    stores = build(api)
    why = explain(api, CART)
    order = stores.order([("MUG", 2), ("TEA", 1)])
    placed = {(ln["sku"], a["node"], a["qty"]) for ln in order["lines"] for a in ln["allocations"]}
    assert placed == rows(why["allocations"])


def test_alternatives_say_why_they_lost_with_their_costs(api):
    build(api)  # ST-PARIS-1 holds 3 mugs, Lyon 10, ST-PARIS-2 none
    why = explain(api, {"lines": [{"sku": "MUG", "qty": 3}], "destination": PARIS})
    by_verdict = {a["verdict"]: a for a in why["alternatives"]}
    assert why["nodes"] == ["ST-PARIS-1"]
    assert by_verdict["costlier"]["nodes"] == ["DC-LYON"]
    lyon = by_verdict["costlier"]
    assert lyon["extra_cost"] > 0 and lyon["detail"] == f"costlier by {lyon['extra_cost']:.2f}"
    assert abs(lyon["cost"]["total"] - why["cost"]["total"] - lyon["extra_cost"]) < 1e-3
    assert 'SKU "MUG"' in by_verdict["no_stock"]["detail"]  # ST-PARIS-2 has none
    assert "dominated" in by_verdict


def test_a_pickup_cart_is_explained_at_its_store_as_the_promise_collects_it(api):
    build(api)
    body = {"lines": [{"sku": "MUG", "qty": 2}], "pickup_node": "ST-PARIS-2"}
    why = explain(api, body)
    promise_body = {"lines": body["lines"], "destination": {"lat": 48.88, "lon": 2.30}}
    r = api.client.post("/v1/promise", json=promise_body, headers=api.checkout).json()
    at_store = next(o for o in r["options"] if o["node"] == "ST-PARIS-2")
    assert rows(why["allocations"]) == rows(at_store["allocations"])


def test_under_lookahead_each_unit_carries_its_price_and_lyon_wins_on_the_objective(lookahead):  # noqa: F811
    network(lookahead)
    last_weeks_orders(lookahead)
    refresh_once(lookahead.state.read_uow, lookahead.state.networks, weeks=1, now=NOW)
    cart = {"lines": [{"sku": "MUG", "qty": 3}], "destination": PARIS}
    why = explain(lookahead, cart)
    assert why["policy"] == "lookahead" and why["priced"] is True
    assert why["nodes"] == ["DC-LYON"]
    assert all(a["lookahead_price"] is not None for a in why["allocations"])
    store = next(a for a in why["alternatives"] if a["nodes"] == ["ST-PARIS-1"])
    # cheaper to ship from the store, dearer once its mugs' value for later orders counts
    assert store["cost"]["total"] < why["cost"]["total"]
    assert store["verdict"] == "costlier" and store["stock_value"] > 0
    assert store["objective"] > why["objective"]
    assert store["detail"].startswith("costlier by ") and "(cost -" in store["detail"]
    assert "stock value +" in store["detail"]


def test_bad_requests_name_the_record_or_field_and_keys_are_checked(api):
    stores = build(api)
    r = api.client.post(
        EXPLAIN, json={**CART, "lines": [{"sku": "NOPE", "qty": 1}]}, headers=api.ops
    )
    assert r.status_code == 404 and r.json()["error"] == "unknown_sku" and "NOPE" in r.text
    r = api.client.post(EXPLAIN, json={"lines": CART["lines"]}, headers=api.ops)
    assert r.status_code == 422 and "destination" in r.json()["detail"]
    r = api.client.post(
        EXPLAIN, json={"lines": CART["lines"], "pickup_node": "ST-NOWHERE"}, headers=api.ops
    )
    assert r.status_code == 404 and r.json()["error"] == "unknown_node"
    r = api.client.post(
        EXPLAIN, json={"lines": CART["lines"], "pickup_node": "DC-LYON"}, headers=api.ops
    )
    assert r.status_code == 422 and "pickup_node" in r.text
    r = api.client.post(
        EXPLAIN, json={**CART, "lines": [{"sku": "MUG", "qty": 0}]}, headers=api.ops
    )
    assert r.status_code == 422 and "lines.0.qty" in r.text
    assert api.client.post(EXPLAIN, json=CART, headers=stores.s1).status_code == 403
    assert api.client.post(EXPLAIN, json=CART).status_code == 401


def test_the_route_is_documented_with_its_errors(api):
    op = api.client.get("/openapi.json").json()["paths"][EXPLAIN]["post"]
    assert {"200", "401", "403", "404", "422"} <= set(op["responses"])
    assert "no_stock" in op["description"]
