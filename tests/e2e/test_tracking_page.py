"""The customer tracking page over HTTP: an order number and its e-mail show the order; a
wrong e-mail and an unknown order get the same page; failures are throttled per address."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from oms.config import get_settings
from tests.e2e.stores_fixture import build

EMAIL = "Ada.Lovelace@example.org"
SAME_ORIGIN = {"Origin": "http://testserver"}


def lookup(api, order: str, email: str, headers: dict[str, str] | None = None):
    form = {"order": order, "email": email}
    return api.client.post("/track", data=form, headers=headers or SAME_ORIGIN)


def delivered_order(api) -> str:
    st = build(api, store_stock=0)
    order = st.order([("MUG", 2)], email=EMAIL)
    [shipment] = order["shipments"]
    sid = shipment["id"]
    api.client.post(
        f"/v1/shipments/{sid}/ship", json={"tracking": "6A999"}, headers=api.ops
    ).raise_for_status()
    event = {"carrier_event_id": "d-1", "status": "delivered", "occurred_at": _now()}
    event |= {"carrier": "colissimo", "location": "Paris 11"}
    r = api.client.post(f"/v1/shipments/{sid}/tracking", json=event, headers=api.ops)
    assert r.status_code == 201, r.text
    return str(order["id"])


def _now() -> str:
    return datetime.now(UTC).isoformat()


def test_the_form_asks_for_the_order_number_and_email_and_posts_them(api):
    r = api.client.get("/track")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert 'method="post" action="/track"' in r.text
    assert 'name="order"' in r.text and 'name="email"' in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]


def test_the_order_number_and_its_email_in_any_case_show_status_history_and_returns(api):
    order_id = delivered_order(api)
    r = lookup(api, f" {order_id} ", EMAIL.upper())
    assert r.status_code == 200, r.text
    page = r.text
    assert f"Order {order_id}" in page and "Delivered" in page
    assert "In transit" in page and "Paris 11" in page and "6A999" in page
    assert 'href="https://www.laposte.fr/outils/suivre-vos-envois?code=6A999"' in page
    assert re.search(r"MUG</span> × 2: until \d\d \w+ \d{4}", page)
    assert "Send them back by post" in page
    assert r.headers["cache-control"] == "no-store"


def test_a_wrong_email_and_an_unknown_order_get_the_same_page_that_reveals_nothing(api):
    order_id = delivered_order(api)
    wrong = lookup(api, order_id, "someone.else@example.org")
    unknown = lookup(api, "NO-SUCH-ORDER", EMAIL)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text.replace(order_id, "X") == unknown.text.replace("NO-SUCH-ORDER", "X")
    for hidden in ("Delivered", "6A999", "MUG", "Paris 11", "DC-LYON"):
        assert hidden not in wrong.text
    assert "could not find an order with this number and e-mail" in wrong.text


def test_an_order_without_an_email_is_never_found(api):
    st = build(api, store_stock=0)
    order = st.order([("MUG", 1)])
    assert lookup(api, order["id"], "").status_code == 422  # both fields are needed
    assert lookup(api, order["id"], "anyone@example.org").status_code == 404


def test_failed_lookups_are_throttled_per_address_and_successes_do_not_count(api):
    order_id = delivered_order(api)
    limit = get_settings().track_failures
    for _ in range(3):
        assert lookup(api, order_id, EMAIL).status_code == 200
    for i in range(limit):
        assert lookup(api, order_id, f"guess{i}@example.org").status_code == 404
    r = lookup(api, order_id, EMAIL)  # right, but the address is throttled
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    assert "Too many unsuccessful searches" in r.text and "Delivered" not in r.text


def test_a_lookup_posted_from_another_site_is_refused(api):
    order_id = delivered_order(api)
    r = lookup(api, order_id, EMAIL, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "Delivered" not in r.text


def test_a_pickup_order_shows_its_store_opening_hours_and_that_returns_open_later(api):
    st = build(api)
    order = st.order(
        [("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1", destination=None, email=EMAIL
    )
    [pick] = st.picks("ST-PARIS-1", st.s1)
    assert st.confirm(pick, st.s1).status_code == 200
    r = lookup(api, order["id"], EMAIL)
    assert r.status_code == 200, r.text
    page = r.text
    assert "Ready for pickup" in page and "Pickup store ST-PARIS-1" in page
    assert "<td>Monday</td><td>00:00-23:59</td>" in page and "Europe/Paris" in page
    assert "please collect it before" in page
    assert "Once your order has arrived you may return it within 30 days" in page
