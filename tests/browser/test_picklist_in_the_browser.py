"""The store pick list in headless Chromium, against the real app over HTTP.

A web order sourced to the Paris store releases a pick there; the associate signs in with the
store key, finds the pick with its bins, confirms one line short, and the order shows the missing
unit re-sourced to the Lyon DC on a new shipment. Screenshots are kept in var/artifacts/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Screenshots, Server
from tests.e2e.test_catalog_api import NODE as DC
from tests.e2e.test_promise_api import STORE

pytestmark = pytest.mark.browser

OTHER_STORE = {**STORE, "id": "ST-LILLE", "lat": 50.63, "lon": 3.06}
MUG_BIN, TEA_BIN = "A-01-3", "B-04-1"
NEAR_THE_STORE = {"lat": 48.85, "lon": 2.35}


@dataclass(frozen=True)
class Shop:
    order_id: str
    mug_line: str
    tea_line: str
    store_key: str
    other_store_key: str


def seed(server: Server) -> Shop:
    """Two stores and a DC over HTTP, a store key each, and a web order sourced to Paris."""
    for node in (DC, STORE, OTHER_STORE):
        server.ok("POST", "/v1/nodes", server.ops, node)
    server.ok("PUT", "/v1/skus/MUG", server.ops, {"name": "Mug", "price_minor": 1299})
    server.ok("PUT", "/v1/skus/TEA", server.ops, {"name": "Tea tin", "price_minor": 850})
    stock = [
        ("ST-PARIS", "MUG", {"on_hand": 3, "bin_location": MUG_BIN}),
        ("DC-LYON", "MUG", {"on_hand": 10}),
        ("ST-PARIS", "TEA", {"on_hand": 4, "bin_location": TEA_BIN}),
    ]
    for node_id, sku, row in stock:
        server.ok("PUT", f"/v1/inventory/{node_id}/{sku}", server.ops, row)
    cart = {
        "lines": [{"sku": "MUG", "qty": 2}, {"sku": "TEA", "qty": 1}],
        "destination": NEAR_THE_STORE,
        "method": "ship",
    }
    order = server.ok("POST", "/v1/orders", server.checkout, cart)
    assert {a["node"] for ln in order["lines"] for a in ln["allocations"]} == {"ST-PARIS"}, order
    assert [p["node"] for p in order["picks"]] == ["ST-PARIS"], order
    lines = {ln["sku"]: ln["id"] for ln in order["lines"]}
    return Shop(
        order_id=order["id"],
        mug_line=lines["MUG"],
        tea_line=lines["TEA"],
        store_key=server.create_key("store", "ST-PARIS"),
        other_store_key=server.create_key("store", "ST-LILLE"),
    )


def sign_in(page: Page, key: str) -> None:
    page.goto("/stores/login")
    page.get_by_label("Store key").fill(key)
    page.get_by_role("button", name="Open pick list").click()


def allocations(order: dict[str, Any], line_id: str) -> list[dict[str, Any]]:
    (line,) = [ln for ln in order["lines"] if ln["id"] == line_id]
    return list(line["allocations"])


def test_a_store_associate_confirms_a_line_short_and_the_order_is_resourced_from_the_dc(
    server: Server, page: Page, context: BrowserContext, screenshots: Screenshots
) -> None:
    shop = seed(server)
    sign_in(page, shop.store_key)
    expect(page).to_have_url(re.compile(r"/stores/ST-PARIS$"))  # Today
    page.get_by_role("link", name="Pick", exact=True).click()
    expect(page).to_have_url(re.compile(r"/stores/ST-PARIS/picklist$"))
    expect(page.get_by_text("Pick list · ST-PARIS")).to_be_visible()

    card = page.locator("section.card[data-pick]")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", name=f"Order {shop.order_id}")).to_be_visible()
    # The walk through the store: lines sorted by bin, each bin shown.
    expect(card.locator("td.bin")).to_have_text([MUG_BIN, TEA_BIN])
    mug = card.get_by_label(f"picked for {shop.mug_line}")
    expect(mug).to_have_value("2")
    expect(card.get_by_label(f"picked for {shop.tea_line}")).to_have_value("1")
    screenshots.take("picklist-before-confirming")

    pick_id = card.get_attribute("data-pick")
    mug.fill("1")  # one mug is not on the shelf
    card.get_by_role("button", name="Confirm pick").click()

    expect(page.get_by_role("status")).to_have_text(f"Pick {pick_id} confirmed.")
    expect(page.locator("section.card[data-pick]")).to_have_count(0)
    expect(page.get_by_text("No open picks")).to_be_visible()
    screenshots.take("picklist-after-short-pick")

    order = server.ok("GET", f"/v1/orders/{shop.order_id}", server.checkout)
    first = next(s["id"] for s in order["shipments"] if s["node"] == "ST-PARIS")
    mugs = {a["node"]: a for a in allocations(order, shop.mug_line)}
    assert mugs.keys() == {"ST-PARIS", "DC-LYON"}, mugs
    assert mugs["ST-PARIS"]["qty"] == 1 and mugs["ST-PARIS"]["shipment"] == first
    assert mugs["DC-LYON"]["qty"] == 1 and mugs["DC-LYON"]["shipment"] != first
    dc_shipment = next(s for s in order["shipments"] if s["id"] == mugs["DC-LYON"]["shipment"])
    assert dc_shipment["node"] == "DC-LYON" and dc_shipment["status"] == "created"
    assert allocations(order, shop.tea_line) == [{"node": "ST-PARIS", "qty": 1, "shipment": first}]
    kinds = [e["type"] for e in order["events"]]
    assert kinds.index("ShortPicked") < kinds.index("Resourced"), kinds
    assert [p["status"] for p in order["picks"]] == ["confirmed"]
    assert server.ok("GET", "/v1/stores/ST-PARIS/picks", shop.store_key) == []
    # The shelf count is corrected (the missing mug was never there); the DC holds the other.
    stock = {r["node"]: r for r in server.ok("GET", "/v1/inventory/MUG", server.ops)["nodes"]}
    assert (stock["ST-PARIS"]["on_hand"], stock["ST-PARIS"]["reserved"]) == (2, 1), stock
    assert (stock["DC-LYON"]["on_hand"], stock["DC-LYON"]["reserved"]) == (10, 1), stock

    # The order as the API returns it, rendered by the browser, kept beside the pick list.
    context.set_extra_http_headers({"X-API-Key": server.checkout})
    page.goto(f"/v1/orders/{shop.order_id}")
    expect(page.locator("body")).to_contain_text('"Resourced"')
    # Indented, for a readable screenshot (Chromium's own viewer is in a closed shadow root).
    page.locator("pre").first.evaluate(
        "pre => { pre.textContent = JSON.stringify(JSON.parse(pre.textContent), null, 2) }"
    )
    screenshots.take("order-after-short-pick")


def test_a_store_key_cannot_open_another_stores_pick_list_and_no_key_gets_the_sign_in_form(
    server: Server, page: Page, context: BrowserContext, screenshots: Screenshots
) -> None:
    shop = seed(server)
    sign_in(page, shop.other_store_key)
    expect(page).to_have_url(re.compile(r"/stores/ST-LILLE$"))  # Today
    page.get_by_role("link", name="Pick", exact=True).click()
    expect(page).to_have_url(re.compile(r"/stores/ST-LILLE/picklist$"))
    expect(page.get_by_text("No open picks")).to_be_visible()

    refused = page.goto("/stores/ST-PARIS/picklist")
    assert refused is not None and refused.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("bound to ST-LILLE, not ST-PARIS")
    expect(page.locator("section.card[data-pick]")).to_have_count(0)
    screenshots.take("picklist-other-store-refused")

    # Signed out (the cookie is dropped), the pick list asks for a key again.
    page.goto("/stores/ST-LILLE/picklist")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/stores/login$"))
    assert context.cookies() == []
    anonymous = page.goto("/stores/ST-PARIS/picklist")
    assert anonymous is not None and anonymous.status == 401
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Store key")).to_be_empty()
    expect(page.locator("section.card[data-pick]")).to_have_count(0)

    sign_in(page, "oms_not-a-key")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/stores/login$"))
