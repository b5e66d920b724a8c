"""The ops KPI page in headless Chromium, against the real app over HTTP: an operator signs in
with an ops key and sees each KPI with its chart (inline SVG; the page's CSP allows no script,
and Chromium reports no violation). A screenshot is kept in var/artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.conftest import Screenshots, Server
from tests.e2e.test_catalog_api import NODE as DC
from tests.e2e.test_promise_api import STORE

pytestmark = pytest.mark.browser
NEAR_THE_STORE = {"lat": 48.85, "lon": 2.35}


def seed(server: Server) -> str:
    """A DC and a store; a web order shipped from the DC and one collected in the store (its
    id returned)."""
    for node in (DC, STORE):
        server.ok("POST", "/v1/nodes", server.ops, node)
    server.ok("PUT", "/v1/skus/MUG", server.ops, {"name": "Mug", "price_minor": 1299})
    server.ok("PUT", "/v1/inventory/DC-LYON/MUG", server.ops, {"on_hand": 10})
    server.ok("PUT", "/v1/inventory/ST-PARIS/MUG", server.ops, {"on_hand": 2})
    far = {"lines": [{"sku": "MUG", "qty": 1}], "destination": {"lat": 45.76, "lon": 4.84}}
    server.ok("POST", "/v1/orders", server.checkout, far)
    pickup = {"lines": [{"sku": "MUG", "qty": 1}], "method": "pickup", "pickup_node": "ST-PARIS"}
    return str(server.ok("POST", "/v1/orders", server.checkout, pickup)["id"])


def test_an_operator_signs_in_with_an_ops_key_and_sees_the_kpis_charted(
    server: Server, page: Page, screenshots: Screenshots
) -> None:
    pickup_id = seed(server)
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", watch)
    page.goto("/ops/kpis")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()  # no session yet
    page.get_by_label("Ops key").fill(server.ops)
    page.get_by_role("button", name="Open the KPIs").click()
    expect(page).to_have_url(re.compile(r"/ops/kpis$"))

    orders = page.locator("#kpi-orders_by_channel")
    expect(orders.locator(".value")).to_have_text("2")
    expect(orders.locator(".detail")).to_have_text("web: 2")
    omni = page.locator("#kpi-omnichannel_share")
    expect(omni.locator(".value")).to_have_text("50.0%")  # the pickup of a web order
    expect(omni.locator(".detail")).to_have_text("1 / 2")
    expect(page.locator("#kpi-stock_accuracy .detail")).to_contain_text("no counts recorded")
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(8)
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 60  # drawn, not empty
    expect(omni.locator("svg.chart circle")).to_have_count(1)  # today's point
    screenshots.take("ops-kpis")

    # One order, and why it is sourced where it is (issue 18): no script, no CSP violation.
    page.goto(f"/ops/orders/{pickup_id}")
    expect(page.get_by_role("heading", name="Why this node")).to_be_visible()
    expect(page.locator(".verdict-now")).to_contain_text("same nodes now: ST-PARIS")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/ops/login$"))
    assert violations == []
