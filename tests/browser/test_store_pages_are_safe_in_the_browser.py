"""The store pages against another site, in headless Chromium over HTTP.

The associate signs in (the cookie holds a session token, not the key) and confirms a pick from the
page; a page on another origin of the same host (another port: the same *site*, so the Strict
cookie goes with its form) posts an auto-submitting form to the same confirm URL, and is refused
with 403 while the pick stays open. Another site cannot sign the browser in with its own key
either. Screenshots are kept in var/artifacts/."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from tests.browser.conftest import ForeignSite, Screenshots, Server
from tests.browser.test_picklist_in_the_browser import Shop, seed, sign_in

pytestmark = pytest.mark.browser

SESSION_COOKIE = "oms_store_session"


def auto_submitting_form(action: str, fields: dict[str, str], extra_head: str = "") -> str:
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    return (
        f"<!doctype html><html><head>{extra_head}<title>You won!</title></head><body>"
        f'<form id="f" method="post" action="{action}">{inputs}</form>'
        "<script>document.getElementById('f').submit()</script></body></html>"
    )


def stock_of(server: Server, sku: str) -> dict[str, tuple[int, int]]:
    rows = server.ok("GET", f"/v1/inventory/{sku}", server.ops)["nodes"]
    return {r["node"]: (r["on_hand"], r["reserved"]) for r in rows}


def open_picks(server: Server, shop: Shop) -> list[dict[str, Any]]:
    return list(server.ok("GET", "/v1/stores/ST-PARIS/picks", shop.store_key))


def test_a_form_on_another_origin_cannot_confirm_a_pick_but_the_associate_can(
    server: Server,
    page: Page,
    context: BrowserContext,
    foreign_site: ForeignSite,
    screenshots: Screenshots,
) -> None:
    policy_errors: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            policy_errors.append(message.text)

    page.on("console", watch)
    shop = seed(server)
    sign_in(page, shop.store_key)
    expect(page).to_have_url(re.compile(r"/stores/ST-PARIS$"))  # Today
    page.get_by_role("link", name="Pick", exact=True).click()
    expect(page).to_have_url(re.compile(r"/stores/ST-PARIS/picklist$"))
    card = page.locator("section.card[data-pick]")
    expect(card).to_have_count(1)
    pick_id = card.get_attribute("data-pick")
    assert pick_id

    # The cookie is a session token: not the key, HttpOnly, Strict, for /stores, and it expires.
    [cookie] = context.cookies()
    assert cookie["name"] == SESSION_COOKIE and shop.store_key not in cookie["value"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/stores"
    assert cookie["secure"] is False  # "auto": plain http from a loopback client (this test)
    assert cookie["expires"] > time.time() + 3600
    assert shop.store_key not in page.content()
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it
    # The page's inline styles still apply under its Content-Security-Policy.
    header = page.locator("header")
    expect(header).to_have_css("background-color", "rgb(29, 36, 48)")

    stock_before = stock_of(server, "MUG"), stock_of(server, "TEA")
    confirm_url = f"{server.base}/stores/ST-PARIS/picks/{pick_id}/confirm"
    fields = {f"picked:{shop.mug_line}": "0", f"picked:{shop.tea_line}": "0"}
    attacks = {
        # Chromium sends Origin: <the other port's origin>.
        "/prize": auto_submitting_form(confirm_url, {**fields, "csrf_token": "guessed"}),
        # A page that hides where it is: Chromium sends Origin: null and no Referer.
        "/quiet": auto_submitting_form(
            confirm_url, fields, '<meta name="referrer" content="no-referrer">'
        ),
    }
    for path, html in attacks.items():
        attack = foreign_site.serve(path, html)
        with page.expect_response(confirm_url) as answer:
            page.goto(attack)
        refused = answer.value
        # 403, not 401: the browser did send the session cookie (same site), and it did not help.
        assert refused.status == 403, (path, refused.status)
        expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("not sent from this site")
    screenshots.take("picklist-foreign-form-refused")

    # Nothing changed: the pick is open, stock and reservations are as they were.
    assert [p["id"] for p in open_picks(server, shop)] == [pick_id]
    assert (stock_of(server, "MUG"), stock_of(server, "TEA")) == stock_before
    order = server.ok("GET", f"/v1/orders/{shop.order_id}", server.checkout)
    assert [p["status"] for p in order["picks"]] == ["open"]

    # The associate's own page, with its CSRF token and Origin, confirms the pick.
    page.goto("/stores/ST-PARIS/picklist")
    page.locator("section.card[data-pick]").get_by_role("button", name="Confirm pick").click()
    expect(page.get_by_role("status")).to_have_text(f"Pick {pick_id} confirmed.")
    expect(page.locator("section.card[data-pick]")).to_have_count(0)
    screenshots.take("picklist-confirmed-by-the-associate")
    assert open_picks(server, shop) == []
    assert policy_errors == []


def test_another_site_cannot_sign_the_browser_in_with_its_own_key(
    server: Server, page: Page, context: BrowserContext, foreign_site: ForeignSite
) -> None:
    shop = seed(server)
    login_url = f"{server.base}/stores/login"
    attack = foreign_site.serve(
        "/login", auto_submitting_form(login_url, {"key": shop.other_store_key})
    )
    with page.expect_response(login_url) as answer:
        page.goto(attack)
    assert answer.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("not sent from this site")
    assert context.cookies() == []
    # From its own page, the same key signs in.
    sign_in(page, shop.other_store_key)
    expect(page).to_have_url(re.compile(r"/stores/ST-LILLE$"))  # Today
    page.get_by_role("link", name="Pick", exact=True).click()
    expect(page).to_have_url(re.compile(r"/stores/ST-LILLE/picklist$"))
    assert [c["name"] for c in context.cookies()] == [SESSION_COOKIE]
