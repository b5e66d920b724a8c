"""The customer tracking page in headless Chromium, against the real app over HTTP.

A click-and-collect order whose mug comes from the Lyon DC: the DC ships it, the carrier
reports its way through a hub, it reaches the Paris store and is ready. The customer types
the order number and e-mail and sees each step, the carrier's link, the store's opening hours
and closures, and when returns open. A wrong e-mail shows the same neutral message as an
unknown order and nothing of the order; after five failures the address is throttled, even
for the right e-mail. Screenshots are kept in var/artifacts/."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshots, Server
from tests.e2e.stores_fixture import store
from tests.e2e.test_catalog_api import NODE as DC

pytestmark = pytest.mark.browser

EMAIL = "claude.monet@example.org"
HOLIDAY = date.today() + timedelta(days=10)


def seed(server: Server) -> str:
    """The network, a pickup order at ST-PARIS transferred from the DC, shipped, tracked by
    the carrier and delivered to the store (ready for pickup); its order id."""
    paris = store(
        "ST-PARIS",
        48.86,
        2.35,
        opens="10:00",
        closes="19:00",
        open_days="012345",
        holidays=[HOLIDAY.isoformat()],
        accepts_returns=True,
    )
    for node in (DC, paris):
        server.ok("POST", "/v1/nodes", server.ops, node)
    server.ok("PUT", "/v1/skus/MUG", server.ops, {"name": "Mug", "price_minor": 1299})
    server.ok("PUT", "/v1/inventory/DC-LYON/MUG", server.ops, {"on_hand": 5})
    cart = {"lines": [{"sku": "MUG", "qty": 1}], "method": "pickup", "pickup_node": "ST-PARIS"}
    order = server.ok("POST", "/v1/orders", server.checkout, {**cart, "email": EMAIL})
    [shipment] = order["shipments"]
    sid = shipment["id"]
    server.ok("POST", f"/v1/shipments/{sid}/ship", server.ops, {"tracking": "250123456"})
    hub = {
        "carrier_event_id": "dpd-1",
        "status": "in_transit",
        "occurred_at": datetime.now(UTC).isoformat(),  # between leaving and arriving
        "location": "Hub Chilly-Mazarin",
        "carrier": "dpd",
    }
    server.ok("POST", f"/v1/shipments/{sid}/tracking", server.ops, [hub])
    server.ok("POST", f"/v1/shipments/{sid}/deliver", server.ops)
    return str(order["id"])


def look_up(page: Page, order_id: str, email: str) -> None:
    page.goto("/track")
    page.get_by_label("Order number").fill(order_id)
    page.get_by_label("E-mail address used for the order").fill(email)
    page.get_by_role("button", name="Track").click()


def test_the_customer_sees_the_parcels_journey_the_store_and_the_return_options(
    server: Server, page: Page, screenshots: Screenshots
) -> None:
    order_id = seed(server)
    look_up(page, order_id, EMAIL.upper())
    expect(page.get_by_role("heading", name=f"Order {order_id}")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Ready for pickup")
    history = page.locator("table.history tr.entry")
    # Latest first: ready at the store, arrived there, the carrier's hub, left the DC.
    expect(history).to_have_count(4)
    expect(history.nth(0)).to_contain_text("Ready for pickup")
    expect(history.nth(1)).to_contain_text("Delivered")
    expect(history.nth(2)).to_contain_text("Hub Chilly-Mazarin")
    expect(history.nth(3)).to_contain_text("DC-LYON")
    link = page.get_by_role("link", name="follow it on the carrier's site")
    expect(link).to_have_attribute("href", "https://trace.dpd.fr/fr/trace/250123456")
    expect(page.locator(".tracking-number")).to_have_text("250123456")
    hours = page.locator("#pickup table.hours")
    expect(hours.locator("tr", has_text="Monday")).to_contain_text("10:00-19:00")
    expect(hours.locator("tr", has_text="Sunday")).to_contain_text("Closed")
    expect(page.locator("#pickup .closures")).to_contain_text(HOLIDAY.isoformat())
    expect(page.locator("#pickup")).to_contain_text("please collect it before")
    expect(page.locator("#returns")).to_contain_text("within 30 days")
    screenshots.take("tracking-page-ready-for-pickup")


def test_a_wrong_email_reveals_nothing_and_repeated_failures_are_throttled(
    server: Server, page: Page, screenshots: Screenshots
) -> None:
    order_id = seed(server)
    look_up(page, order_id, "someone.else@example.org")
    neutral = page.locator("#lookup-error")
    expect(neutral).to_contain_text("could not find an order with this number and e-mail")
    wrong_text = page.locator("main").inner_text()
    for hidden in ("Ready for pickup", "250123456", "ST-PARIS", "Chilly", "MUG"):
        assert hidden not in wrong_text
    screenshots.take("tracking-page-wrong-email")
    look_up(page, "NO-SUCH-ORDER", EMAIL)
    expect(neutral).to_have_text(wrong_text.split("\n")[0])
    for i in range(3):  # five failures in all
        look_up(page, order_id, f"guess{i}@example.org")
        expect(neutral).to_contain_text("could not find an order")
    look_up(page, order_id, EMAIL)  # right this time, but too late
    expect(neutral).to_contain_text("Too many unsuccessful searches")
    expect(page.locator("#order")).to_have_count(0)
    screenshots.take("tracking-page-throttled")
