"""The ops order page and the store's order page show "Why this node": the chosen plan with its
cost breakdown and the alternatives with their verdicts, escaped, no script; a store sees only
its own store's orders."""

from __future__ import annotations

import html
import re

from oms.api.security_headers import HTML_POLICY
from tests.e2e.stores_fixture import build


def why_section(text: str) -> str:
    found = re.search(r'<section class="card why".*?</section>', text, re.S)
    assert found, text
    return found.group(0)


def test_the_ops_order_page_says_why_this_node_with_cost_and_alternatives(api):
    stores = build(api)
    order = stores.order([("MUG", 2), ("TEA", 1)])
    page = api.client.get(f"/ops/orders/{order['id']}", headers=api.ops)
    assert page.status_code == 200 and page.headers["content-security-policy"] == HTML_POLICY
    assert "<script" not in page.text
    why = why_section(page.text)
    assert "Why this node" in why and 'data-agrees="true"' in why
    assert "same nodes now: ST-PARIS-1" in why
    explained = api.client.get(f"/v1/orders/{order['id']}/explain", headers=api.ops).json()
    total = explained["current"]["cost"]["total"]
    assert f"Cost {total:.2f} = shipping" in why
    verdicts = re.findall(r'data-verdict="([a-z_]+)"', why)
    assert verdicts == [a["verdict"] for a in explained["now"]["alternatives"]]
    assert "costlier by" in why
    # the reasons are escaped: ST-PARIS-2 holds no mugs, and its quotes arrive as entities
    assert 'SKU "MUG"' not in why and html.escape('SKU "MUG"').replace("&quot;", "&#34;") in why


def test_the_ops_order_page_is_for_ops_keys_and_names_a_missing_order(api):
    stores = build(api)
    order = stores.order([("MUG", 1)])
    assert api.client.get(f"/ops/orders/{order['id']}", headers=stores.s1).status_code == 403
    assert api.client.get(f"/ops/orders/{order['id']}").status_code == 401
    missing = api.client.get("/ops/orders/NOPE", headers=api.ops)
    assert missing.status_code == 404 and "NOPE" in missing.text


def test_a_store_sees_why_for_its_own_orders_only(api):
    stores = build(api)
    order = stores.order([("MUG", 1)])  # shipped from ST-PARIS-1
    own = api.client.get(f"/stores/ST-PARIS-1/orders/{order['id']}", headers=stores.s1)
    assert own.status_code == 200 and "Why this node" in own.text
    assert "<script" not in own.text
    # the other store: neither on its own page nor on the first store's
    other = api.client.get(f"/stores/ST-PARIS-2/orders/{order['id']}", headers=stores.s2)
    assert other.status_code == 403 and "Why this node" not in other.text
    borrowed = api.client.get(f"/stores/ST-PARIS-1/orders/{order['id']}", headers=stores.s2)
    assert borrowed.status_code == 403


def test_a_picked_order_says_nothing_is_left_to_re_decide(api):
    stores = build(api)
    order = stores.order([("MUG", 1)])
    pick = stores.picks("ST-PARIS-1", stores.s1)[0]
    assert stores.confirm(pick, stores.s1).status_code == 200
    page = api.client.get(f"/stores/ST-PARIS-1/orders/{order['id']}", headers=stores.s1)
    why = why_section(page.text)
    assert "Nothing left to re-decide" in why and "at ST-PARIS-1 (picked)" in why


def test_the_stores_pickup_queue_links_each_order_to_its_page(api):
    stores = build(api)
    order = stores.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1")
    pick = stores.picks("ST-PARIS-1", stores.s1)[0]
    assert stores.confirm(pick, stores.s1).status_code == 200
    queue = api.client.get("/stores/ST-PARIS-1/pickups", headers=stores.s1)
    link = f'href="/stores/ST-PARIS-1/orders/{order["id"]}"'
    assert queue.status_code == 200 and link in queue.text
