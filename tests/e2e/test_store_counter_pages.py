"""The store counter's pages: to pack (with the printable packing slip) and ship by form, ready
pickups handed over by form, expired pickups put back; CSRF and the store's own pages only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.stores_fixture import build
from tests.e2e.test_store_counter import (
    CUSTOMER,
    code_of,
    named_products,
    picked,
    ready_pickup,
    set_expires_at,
)
from tests.e2e.test_store_pages import ORIGIN, csrf_of, login

PACK, PICKUPS = "/stores/ST-PARIS-1/pack", "/stores/ST-PARIS-1/pickups"
FROM_PAGE = {"Origin": ORIGIN}


@pytest.fixture
def api(api):
    api.client.base_url = ORIGIN
    return api


def test_the_pack_page_prints_a_slip_and_ships_a_shipment_in_two_parcels_by_form(api):
    st = build(api)
    named_products(api)
    order = st.order([("MUG", 1)], **CUSTOMER)
    picked(st, order)
    shipment = order["shipments"][0]["id"]
    login(api, st.s1["X-API-Key"])
    page = api.client.get(PACK)
    assert page.status_code == 200 and order["id"] in page.text and "Stoneware mug" in page.text
    assert "<script" not in page.text
    slip = api.client.get(f"/stores/ST-PARIS-1/shipments/{shipment}/slip")
    assert slip.status_code == 200 and "@media print" in slip.text
    other = api.client.get(f"/stores/ST-PARIS-2/shipments/{shipment}/slip", headers=st.s2)
    assert other.status_code == 403  # another store's shipment
    for shown in ("Zoé Durand", "12 rue de Rivoli", "75004 Paris", "Stoneware mug", order["id"]):
        assert shown in slip.text
    form = {
        "csrf_token": csrf_of(page.text),
        "carrier:1": "colissimo",
        "tracking:1": "6A1",
        "weight_g:1": "900",
        "carrier:2": "colissimo",
        "tracking:2": "6A2",
        "carrier:3": "",
        "tracking:3": "",
    }
    url = f"/stores/ST-PARIS-1/shipments/{shipment}/ship"
    bad = api.client.post(url, data={**form, "weight_g:2": "heavy"}, headers=FROM_PAGE)
    assert bad.status_code == 422 and "whole grams" in bad.text
    r = api.client.post(url, data=form, headers=FROM_PAGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(PACK + "?notice=")
    view = st.get(order["id"])
    assert view["status"] == "shipped" and view["shipments"][0]["tracking"] == "6A1"
    assert "Nothing to pack" in api.client.get(PACK).text


def test_a_ready_pickup_is_handed_over_by_form_with_a_refused_line(api):
    st = build(api)
    order = ready_pickup(st, [("MUG", 1), ("TEA", 1)], name="Zoé Durand")
    tea = order["lines"][1]["id"]
    login(api, st.s1["X-API-Key"])
    page = api.client.get(PICKUPS)
    assert page.status_code == 200 and order["id"] in page.text and "A-03-M" in page.text
    url = f"/stores/ST-PARIS-1/orders/{order['id']}/handover"
    csrf = csrf_of(page.text)
    wrong = api.client.post(
        url, data={"csrf_token": csrf, "customer_name": "Bob"}, headers=FROM_PAGE
    )
    assert wrong.status_code == 422 and "not the customer" in wrong.text
    no_token = api.client.post(url, data={"customer_name": "zoe durand"}, headers=FROM_PAGE)
    assert no_token.status_code == 403
    form = {"csrf_token": csrf, "customer_name": "zoe durand", f"refuse:{tea}": "1"}
    r = api.client.post(url, data=form, headers=FROM_PAGE, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(PICKUPS + "?notice=")
    view = st.get(order["id"])
    assert view["status"] == "collected" and [f["amount_minor"] for f in view["refunds"]] == [450]


def test_an_expired_pickup_is_put_back_on_the_shelf_from_the_pickups_page(api):
    st = build(api)
    order = ready_pickup(st, [("MUG", 2)], name="Ana")
    assert code_of(api, order["id"])
    set_expires_at(api, order["id"], datetime.now(UTC) - timedelta(minutes=1))
    assert api.state.sweep_once() == 1
    login(api, st.s1["X-API-Key"])
    page = api.client.get(PICKUPS)
    assert f'data-expired="{order["id"]}"' in page.text and "Put back" in page.text
    url = f"/stores/ST-PARIS-1/orders/{order['id']}/reshelved"
    r = api.client.post(
        url, data={"csrf_token": csrf_of(page.text)}, headers=FROM_PAGE, follow_redirects=False
    )
    assert r.status_code == 303
    assert f'data-expired="{order["id"]}"' not in api.client.get(PICKUPS).text
    assert api.client.get("/stores/ST-PARIS-2/pickups").status_code == 403
