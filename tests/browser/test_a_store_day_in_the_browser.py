"""A whole day at one store in headless Chromium, against the real app over HTTP (issue 16).

A web pickup order and a ship-from-store order arrive at ST-PARIS. The associate signs in and
lands on Today, rejects a damaged tea tin on the pick list (re-sourced to the DC), batch-picks
the rest in one walk by bin, packs and ships the parcel with its packing slip, hands the pickup
order over with its code, receives a transfer from the DC, takes a return at the desk, and
counts a SKU that ops asked for. Each page is asserted and kept as a screenshot in
var/artifacts/ (store-day-*.png; the README's "Store app" shows a few of them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from oms.db import tables
from oms.db.engine import make_engine
from tests.browser.conftest import Screenshots, Server
from tests.e2e.stores_fixture import store
from tests.e2e.test_catalog_api import NODE as DC

pytestmark = pytest.mark.browser

NODE = "ST-PARIS"
MUG_BIN, TEA_BIN = "A-01-3", "B-04-1"
NEAR_THE_STORE = {"lat": 48.85, "lon": 2.35}
PHONE = {"width": 360, "height": 780}  # the phone width
DESK = {"width": 1280, "height": 800}
NAVIGATION = ["Today", "Pick", "Pack", "Pickups", "Incoming", "Returns", "Counts"]


@dataclass(frozen=True)
class Day:
    key: str
    ship: dict[str, Any]  # ship-from-store: a mug and a tea tin, to Claude Monet
    pickup: dict[str, Any]  # click and collect here: a tea tin, for Berthe Morisot
    transfer: dict[str, Any]  # click and collect here, the vase sent from the DC
    delivered: dict[str, Any]  # a web order delivered last week, brought back today
    count_id: str


def order(server: Server, lines: dict[str, int], **body: Any) -> dict[str, Any]:
    cart = {"lines": [{"sku": s, "qty": q} for s, q in lines.items()], **body}
    return dict(server.ok("POST", "/v1/orders", server.checkout, cart))


def seed(server: Server) -> Day:
    for node in (DC, store(NODE, 48.86, 2.35, accepts_returns=True)):
        server.ok("POST", "/v1/nodes", server.ops, node)
    for sku, name, price in (("MUG", "Mug", 1299), ("TEA", "Tea tin", 850), ("VASE", "Vase", 2500)):
        server.ok("PUT", f"/v1/skus/{sku}", server.ops, {"name": name, "price_minor": price})
    stock = [
        (NODE, "MUG", {"on_hand": 5, "bin_location": MUG_BIN}),
        (NODE, "TEA", {"on_hand": 4, "bin_location": TEA_BIN}),
        ("DC-LYON", "MUG", {"on_hand": 10}),
        ("DC-LYON", "TEA", {"on_hand": 10}),
        ("DC-LYON", "VASE", {"on_hand": 10}),
    ]
    for node_id, sku, row in stock:
        server.ok("PUT", f"/v1/inventory/{node_id}/{sku}", server.ops, row)
    monet = {"email": "claude.monet@example.org", "name": "Claude Monet"}
    ship = order(server, {"MUG": 1, "TEA": 1}, destination=NEAR_THE_STORE, method="ship", **monet)
    morisot = {"email": "berthe.morisot@example.org", "name": "Berthe Morisot"}
    pickup = order(server, {"TEA": 1}, method="pickup", pickup_node=NODE, **morisot)
    for placed in (ship, pickup):
        assert [p["node"] for p in placed["picks"]] == [NODE], placed
    transfer = order(server, {"VASE": 1}, method="pickup", pickup_node=NODE, **morisot)
    [from_dc] = transfer["shipments"]
    assert from_dc["node"] == "DC-LYON", transfer
    server.ok("POST", f"/v1/shipments/{from_dc['id']}/ship", server.ops, {"tracking": "DC-77"})
    ana = {"email": "ana@example.org", "name": "Ana Lima"}
    delivered = order(server, {"VASE": 1}, destination=NEAR_THE_STORE, method="ship", **ana)
    for s in delivered["shipments"]:
        server.ok("POST", f"/v1/shipments/{s['id']}/ship", server.ops, {"tracking": "DC-78"})
        server.ok("POST", f"/v1/shipments/{s['id']}/deliver", server.ops)
    count = server.ok("POST", f"/v1/stores/{NODE}/counts", server.ops, {"skus": ["TEA"]})
    return Day(server.create_key("store", NODE), ship, pickup, transfer, delivered, count["id"])


def line_of(placed: dict[str, Any], sku: str) -> str:
    return str(next(ln["id"] for ln in placed["lines"] if ln["sku"] == sku))


def pick_of(placed: dict[str, Any]) -> str:
    return str(placed["picks"][0]["id"])


def pickup_code(server: Server, order_id: str) -> str:
    engine = make_engine(server.database_url)
    try:
        with engine.connect() as conn:
            o = tables.orders.c
            code = conn.execute(select(o.pickup_code).where(o.id == order_id)).scalar_one()
    finally:
        engine.dispose()
    assert code is not None
    return str(code)


def expect_queues(page: Page, **counts: int) -> None:
    for name, count in counts.items():
        expect(page.locator(f'li[data-queue="{name}"] .count')).to_have_text(str(count))


def go(page: Page, link: str, path: str) -> None:
    page.get_by_role("navigation", name="Store queues").get_by_role("link", name=link).click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}{path}$"))


def sign_in_to_today(page: Page, shots: Screenshots, day: Day) -> None:
    page.goto("/stores/login")
    page.get_by_label("Store key").fill(day.key)
    page.get_by_role("button", name="Open pick list").click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}$"))
    nav = page.get_by_role("navigation", name="Store queues").get_by_role("link")
    expect(nav).to_have_text(NAVIGATION)
    expect_queues(page, to_pick=2, to_pack=0, ready_for_pickup=0, incoming_transfers=1)
    expect_queues(page, returns_to_receive=0, counts_requested=1)
    expect(page.locator("[data-capacity-controls]")).to_contain_text("2 orders today")
    page.set_viewport_size(DESK)
    shots.take("store-day-today-desk")
    page.set_viewport_size(PHONE)
    shots.take("store-day-today")


def reject_a_damaged_tea_tin(page: Page, shots: Screenshots, server: Server, day: Day) -> None:
    page.locator('li[data-queue="to_pick"] a').click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}/picklist$"))
    expect(page.locator("section.card[data-pick]")).to_have_count(2)
    shots.take("store-day-picklist")
    tea = line_of(day.ship, "TEA")
    card = page.locator(f'section.card[data-pick="{pick_of(day.ship)}"]')
    card.get_by_text("Reject units of this pick").click()
    form = card.locator(f'form[data-reject-line="{tea}"]')
    form.get_by_label(f"reason for {tea}").select_option("damaged")
    form.get_by_role("button", name="Reject line").click()
    expect(page.get_by_role("status")).to_have_text(
        "1 units rejected (damaged) in 1 picks, re-sourced."
    )
    found = server.ok("GET", f"/v1/orders/{day.ship['id']}", server.ops)
    [store_shipment] = [s for s in day.ship["shipments"] if s["node"] == NODE]
    [elsewhere] = next(ln for ln in found["lines"] if ln["id"] == tea)["allocations"]
    assert elsewhere["node"] == "DC-LYON" and elsewhere["shipment"] != store_shipment["id"]
    assert "Resourced" in [e["type"] for e in found["events"]]


def batch_pick(page: Page, shots: Screenshots, day: Day) -> None:
    for placed in (day.ship, day.pickup):
        page.get_by_label(f"batch pick {pick_of(placed)}").check()
    page.get_by_role("button", name="Batch pick").click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}/batch\\?"))
    expect(page.get_by_text("2 picks, 2 stops")).to_be_visible()
    expect(page.locator("td.bin")).to_have_text([MUG_BIN, TEA_BIN])  # one walk, bin by bin
    expect(page.get_by_text("Tea tin")).to_be_visible()
    shots.take("store-day-batch")
    page.get_by_role("button", name="Confirm all").click()
    expect(page.get_by_role("status")).to_have_text("2 picks confirmed.")
    expect(page.get_by_text("No open picks")).to_be_visible()
    go(page, "Today", "")
    expect_queues(page, to_pick=0, to_pack=1, ready_for_pickup=1)


def pack_and_ship(page: Page, shots: Screenshots, server: Server, day: Day) -> None:
    go(page, "Pack", "/pack")
    [parcel] = [s["id"] for s in day.ship["shipments"] if s["node"] == NODE]
    card = page.locator(f'section.card[data-shipment="{parcel}"]')
    expect(card).to_contain_text("to Claude Monet")
    expect(card.locator("tbody").first).to_have_text(re.compile(r"Mug\s*MUG\s*1"))
    card.get_by_role("link", name="Packing slip (print)").click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}/shipments/{parcel}/slip$"))
    slip = page.locator(f'section.slip[data-slip="{parcel}"]')
    expect(slip.locator("address")).to_contain_text("Claude Monet")
    expect(slip.locator("address")).to_contain_text("claude.monet@example.org")
    expect(slip).to_contain_text("Mug")
    shots.take("store-day-slip")
    page.get_by_role("link", name="Back to packing").click()
    card.get_by_label("carrier of parcel 1").fill("dpd")
    card.get_by_label("tracking number of parcel 1").fill("250999888")
    shots.take("store-day-pack")
    card.get_by_role("button", name="Ship").click()
    expect(page.get_by_role("status")).to_have_text(f"Shipment {parcel} shipped.")
    expect(page.get_by_text("Nothing to pack")).to_be_visible()
    found = server.ok("GET", f"/v1/orders/{day.ship['id']}", server.ops)
    shipped = next(s for s in found["shipments"] if s["id"] == parcel)
    assert (shipped["status"], shipped["tracking"]) == ("shipped", "250999888"), shipped


def hand_over(page: Page, shots: Screenshots, server: Server, day: Day) -> None:
    page.goto(f"/stores/{NODE}")
    go(page, "Pickups", "/pickups")
    oid = day.pickup["id"]
    card = page.locator(f'section.card[data-pickup="{oid}"]')
    expect(card).to_contain_text("Berthe Morisot")
    expect(card.locator("td.bin")).to_have_text([TEA_BIN])
    card.get_by_label("Pickup code").fill(pickup_code(server, oid))
    shots.take("store-day-pickups")
    card.get_by_role("button", name="Hand over").click()
    expect(page.get_by_role("status")).to_have_text(f"Order {oid} handed over.")
    expect(page.get_by_text("No order waiting")).to_be_visible()
    assert server.ok("GET", f"/v1/orders/{oid}", server.ops)["status"] == "collected"


def receive_the_transfer(page: Page, shots: Screenshots, day: Day) -> None:
    page.goto(f"/stores/{NODE}")
    go(page, "Incoming", "/incoming")
    [sid] = [s["id"] for s in day.transfer["shipments"]]
    card = page.locator(f'section.card[data-shipment="{sid}"]')
    expect(card).to_contain_text("from DC-LYON")
    expect(card).to_contain_text("tracking DC-77")
    shots.take("store-day-incoming")
    card.get_by_role("button", name="Receive").click()
    status = page.get_by_role("status")
    expect(status).to_have_text(
        f"Shipment {sid} received: order {day.transfer['id']} is ready_for_pickup."
    )
    expect(page.get_by_text("Nothing on its way")).to_be_visible()


def take_a_return(page: Page, shots: Screenshots, server: Server, day: Day) -> None:
    go(page, "Returns", "/returns")
    page.get_by_label("Order number, e-mail or phone").fill("ANA@example.org")
    page.get_by_role("button", name="Find").click()
    oid, vase = day.delivered["id"], line_of(day.delivered, "VASE")
    card = page.locator(f'section.card[data-order="{oid}"]')
    expect(card).to_contain_text("delivered")
    card.get_by_label(f"units returned of {vase}").fill("1")
    card.get_by_label("Reason").select_option("changed_mind")
    card.get_by_role("button", name="Open the return here").click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}/returns/[^/]+$"))
    today = server.ok("GET", f"/v1/stores/{NODE}/today", day.key)
    assert today["queues"]["returns_to_receive"] == 1, today
    page.get_by_label(f"condition of {vase}").select_option("sellable")
    page.get_by_role("button", name="Receive").click()
    expect(page.get_by_role("status")).to_have_text("Return received.")
    row = page.locator(f'tr[data-line="{vase}"]')
    expect(row.locator("td.disposition")).to_have_text("transfer to dc (DC-LYON)")  # not sold here
    expect(page.locator("strong.refund")).to_have_text("25.00")
    shots.take("store-day-returns")


def count_the_tea(page: Page, shots: Screenshots, server: Server, day: Day) -> None:
    go(page, "Counts", "/counts")
    page.get_by_role("link", name="Count now").click()
    expect(page).to_have_url(re.compile(f"/stores/{NODE}/counts/{day.count_id}$"))
    found = server.ok("GET", "/v1/inventory/TEA", server.ops)["nodes"]
    on_hand = next(r["on_hand"] for r in found if r["node"] == NODE)
    counted = on_hand - 1  # one tin fewer than the books say: within the threshold
    page.get_by_label("counted for TEA").fill(str(counted))
    shots.take("store-day-count")
    page.get_by_role("button", name="Submit count").click()
    expect(page.get_by_role("status")).to_contain_text(f"Count {day.count_id} applied")
    found = server.ok("GET", "/v1/inventory/TEA", server.ops)["nodes"]
    assert next(r["on_hand"] for r in found if r["node"] == NODE) == counted


class FitsThePhone:
    """Each page photographed at phone width must fit it: no sideways scrolling."""

    def __init__(self, page: Page, shots: Screenshots) -> None:
        self.page, self.shots = page, shots

    def take(self, name: str) -> Any:
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        if width == PHONE["width"]:
            wide = self.page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name}: {wide} px wide on a {width} px screen"
        return self.shots.take(name)


def test_a_store_associate_works_through_a_whole_day_from_today_to_the_last_count(
    server: Server, page: Page, screenshots: Screenshots
) -> None:
    day = seed(server)
    screenshots = FitsThePhone(page, screenshots)  # type: ignore[assignment]
    page.set_viewport_size(PHONE)
    sign_in_to_today(page, screenshots, day)
    reject_a_damaged_tea_tin(page, screenshots, server, day)
    batch_pick(page, screenshots, day)
    pack_and_ship(page, screenshots, server, day)
    hand_over(page, screenshots, server, day)
    receive_the_transfer(page, screenshots, day)
    take_a_return(page, screenshots, server, day)
    count_the_tea(page, screenshots, server, day)
    go(page, "Today", "")  # the day's work done: only the transfer waits for its customer
    expect_queues(page, to_pick=0, to_pack=0, ready_for_pickup=1, incoming_transfers=0)
    expect_queues(page, returns_to_receive=0, counts_requested=0)
    screenshots.take("store-day-today-evening")
