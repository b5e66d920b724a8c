"""Returns over HTTP: RMA with eligibility refusals naming line and rule, routing of mail returns,
disposition and refunds at receipt, exchanges, history."""

from __future__ import annotations

from tests.e2e.stores_fixture import build, store


def delivered_order(st, lines, **body):
    """A ship order picked at the store, shipped and delivered."""
    order = st.order(lines, **body)
    api = st.api
    for pick in st.picks("ST-PARIS-1", st.s1):
        st.confirm(pick, st.s1)
    for s in st.get(order["id"])["shipments"]:
        api.client.post(f"/v1/shipments/{s['id']}/ship", json={"tracking": "T"}, headers=api.ops)
        api.client.post(f"/v1/shipments/{s['id']}/deliver", headers=api.ops)
    view = st.get(order["id"])
    assert view["status"] == "delivered", view
    return view


def returns_network(api):
    st = build(api)
    r = api.client.post(
        "/v1/nodes", json=store("ST-LYON", 45.76, 4.83, accepts_returns=True), headers=api.ops
    )
    assert r.status_code == 201
    return st


def rma(api, body, headers=None):
    return api.client.post("/v1/returns", json=body, headers=headers or api.checkout)


def test_a_mail_return_is_routed_received_restocked_and_refunded(api):
    st = returns_network(api)
    order = delivered_order(st, [("MUG", 2), ("TEA", 1)], discount_minor=300, shipping_minor=499)
    mug = order["lines"][0]["id"]
    r = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": mug, "qty": 1}],
            "reason": "defective",
            "method": "mail",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "in_transit" and body["destination"] == "ST-LYON"  # the only taker
    before = st.stock("MUG").get("ST-LYON", {"available": 0})["available"]
    got = api.client.post(
        f"/v1/returns/{body['id']}/receive",
        json={"lines": [{"line_id": mug, "condition": "sellable"}]},
        headers=api.ops,
    )
    assert got.status_code == 200, got.text
    done = got.json()
    assert done["status"] == "refunded"
    [line] = done["lines"]
    assert line["disposition"] in {"restock", "transfer_to_dc"}
    # Paid for the mug line: 2 x 1299 less its share of the 300 discount (2598/3048 -> 256).
    assert line["refund_minor"] == (2 * 1299 - 256) // 2
    assert done["refund_minor"] == line["refund_minor"] + 499  # a seller fault refunds shipping
    if line["disposition"] == "restock":
        assert st.stock("MUG")["ST-LYON"]["available"] == before + 1  # on sale at once
    history = [e["type"] for e in st.get(order["id"])["events"]]
    assert {"ReturnRequested", "ReturnReceived", "Refunded"} <= set(history)
    statuses = [e["data"]["status"] for e in done["events"]]
    assert statuses[0] == "in_transit" and statuses[-1] == "refunded" and "received" in statuses
    assert (
        api.client.get(f"/v1/returns/{body['id']}", headers=api.checkout).json()["status"]
        == "refunded"
    )


def test_every_refused_line_is_named_with_its_rule(api):
    st = returns_network(api)
    order = delivered_order(st, [("MUG", 1), ("TEA", 1)])
    mug, tea = (ln["id"] for ln in order["lines"])
    r = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": mug, "qty": 2}, {"line_id": "NOPE", "qty": 1}],
            "reason": "changed_mind",
            "method": "mail",
        },
    )
    assert r.status_code == 422 and r.json()["error"] == "return_refused"
    rules = {x["rule"] for x in r.json()["refusals"]}
    assert rules == {"exceeds_returnable", "unknown_line"}
    assert mug in r.json()["detail"] and "NOPE" in r.json()["detail"]
    first = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": tea, "qty": 1}],
            "reason": "changed_mind",
            "method": "mail",
        },
    )
    assert first.status_code == 201
    twice = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": tea, "qty": 1}],
            "reason": "changed_mind",
            "method": "mail",
        },
    )
    assert twice.status_code == 422 and twice.json()["refusals"][0]["rule"] == "exceeds_returnable"
    store_refused = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": mug, "qty": 1}],
            "reason": "changed_mind",
            "method": "in_store",
            "store": "ST-PARIS-2",
        },
    )
    assert store_refused.status_code == 422
    assert store_refused.json()["refusals"][0]["rule"] == "store_not_accepting_returns"


def test_final_sale_and_undelivered_lines_cannot_be_returned(api):
    st = returns_network(api)
    api.client.put(
        "/v1/skus/TEA",
        json={"name": "Tea", "price_minor": 450, "final_sale": True},
        headers=api.ops,
    )
    order = delivered_order(st, [("TEA", 1)])
    r = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": order["lines"][0]["id"], "qty": 1}],
            "reason": "changed_mind",
            "method": "mail",
        },
    )
    assert r.status_code == 422 and r.json()["refusals"][0]["rule"] == "final_sale"
    fresh = st.order([("MUG", 1)])
    r = rma(
        api,
        {
            "order_id": fresh["id"],
            "lines": [{"line_id": fresh["lines"][0]["id"], "qty": 1}],
            "reason": "changed_mind",
            "method": "mail",
        },
    )
    assert r.status_code == 422 and r.json()["refusals"][0]["rule"] == "not_delivered"
    assert (
        rma(api, {"order_id": "O-NOPE", "lines": [], "reason": "x", "method": "mail"}).status_code
        == 404
    )


def test_a_web_order_is_returned_in_a_store_and_exchanged(api):
    st = returns_network(api)
    order = delivered_order(st, [("MUG", 1)])
    mug = order["lines"][0]["id"]
    body = {
        "order_id": order["id"],
        "lines": [{"line_id": mug, "qty": 1}],
        "reason": "wrong_size",
        "method": "in_store",
        "store": "ST-LYON",
        "exchange": [{"sku": "TEA", "qty": 2}],
    }
    r = rma(api, body)
    assert (
        r.status_code == 201
        and r.json()["status"] == "awaiting_drop_off"
        and r.json()["cross_channel"]
    )
    got = api.client.post(
        f"/v1/returns/{r.json()['id']}/receive",
        json={"lines": [{"line_id": mug, "condition": "damaged"}]},
        headers=api.ops,
    )
    assert got.status_code == 200, got.text
    done = got.json()
    assert done["status"] == "exchanged" and done["lines"][0]["disposition"] == "liquidate"
    new = st.get(done["exchange_order_id"])
    assert [(ln["sku"], ln["qty"]) for ln in new["lines"]] == [("TEA", 2)]
    assert done["refund_minor"] == 1299 - 2 * 450  # the credit left after the replacement
    again = api.client.post(
        f"/v1/returns/{r.json()['id']}/receive",
        json={"lines": [{"line_id": mug, "condition": "damaged"}]},
        headers=api.ops,
    )
    assert again.status_code == 409


def test_receiving_needs_every_line_with_a_known_condition(api):
    st = returns_network(api)
    order = delivered_order(st, [("MUG", 1), ("TEA", 1)])
    mug, tea = (ln["id"] for ln in order["lines"])
    r = rma(
        api,
        {
            "order_id": order["id"],
            "lines": [{"line_id": mug, "qty": 1}, {"line_id": tea, "qty": 1}],
            "reason": "changed_mind",
            "method": "mail",
        },
    )
    url = f"/v1/returns/{r.json()['id']}/receive"
    missing = api.client.post(
        url, json={"lines": [{"line_id": mug, "condition": "sellable"}]}, headers=api.ops
    )
    assert missing.status_code == 422 and tea in missing.json()["detail"]
    odd = api.client.post(
        url,
        json={
            "lines": [
                {"line_id": mug, "condition": "wet"},
                {"line_id": tea, "condition": "sellable"},
            ]
        },
        headers=api.ops,
    )
    assert odd.status_code == 422 and "wet" in odd.json()["detail"]
    assert (
        api.client.get(f"/v1/returns/{r.json()['id']}", headers=api.ops).json()["status"]
        == "in_transit"
    )
    assert (
        api.client.post(
            url, json={"lines": [{"line_id": mug, "condition": "sellable"}]}, headers=st.s1
        ).status_code
        == 403
    )
