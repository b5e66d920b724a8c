"""The returns desk over HTTP and on the store's pages: find any order by its exact number,
e-mail or phone (any channel, any node), open the return at this counter, receive each line
with its condition, and see the disposition and the refund."""

from __future__ import annotations

import re

import pytest

from oms.access.keys import create_key
from tests.e2e.test_returns_api import delivered_order, returns_network
from tests.e2e.test_store_pages import ORIGIN, csrf_of, login

LOOKUP = "/v1/stores/ST-LYON/returns/lookup"


def desk(api):
    """The returns network, a key of ST-LYON's counter (a store the web order never touched),
    and a web order shipped from ST-PARIS-1 and delivered."""
    st = returns_network(api)
    with api.state.unit_of_work() as uow:
        lyon = {"X-API-Key": create_key(uow, "store", "ST-LYON")}
    order = delivered_order(
        st, [("MUG", 2), ("TEA", 1)], email="Ana@Example.com", phone="+33612345678"
    )
    return st, lyon, order


def found(api, key, q: str) -> list[str]:
    r = api.client.get(LOOKUP, params={"q": q}, headers=key)
    assert r.status_code == 200, r.text
    return [o["id"] for o in r.json()]


def test_the_desk_finds_any_order_by_exact_number_email_or_phone_and_shows_no_customer_data(api):
    st, lyon, order = desk(api)
    oid = order["id"]
    assert found(api, lyon, oid) == [oid]  # not an order of ST-LYON's: found all the same
    assert found(api, lyon, "ana@example.COM") == [oid]
    assert found(api, lyon, "+33 6 12 34 56 78") == [oid]
    assert found(api, lyon, oid[:-1]) == []  # a prefix is not the number
    assert found(api, lyon, "bo@example.org") == []
    [o] = api.client.get(LOOKUP, params={"q": oid}, headers=lyon).json()
    assert [ln["sku"] for ln in o["lines"]] == ["MUG", "TEA"] and o["status"] == "delivered"
    assert "ana@" not in str(o).lower() and "email" not in o and "phone" not in o
    assert api.client.get(LOOKUP, params={"q": " "}, headers=lyon).status_code == 422
    assert api.client.get(LOOKUP, params={"q": oid}, headers=st.s1).status_code == 403


def test_a_store_key_opens_and_receives_an_in_store_return_at_its_own_counter_only(api):
    st, lyon, order = desk(api)
    mug = order["lines"][0]["id"]
    body = {
        "order_id": order["id"],
        "lines": [{"line_id": mug, "qty": 1}],
        "reason": "changed_mind",
        "method": "in_store",
        "store": "ST-LYON",
    }
    assert api.client.post("/v1/returns", json=body, headers=st.s1).status_code == 403
    r = api.client.post("/v1/returns", json=body, headers=lyon)
    assert r.status_code == 201 and r.json()["status"] == "awaiting_drop_off", r.text
    rid = r.json()["id"]
    got = api.client.post(
        f"/v1/returns/{rid}/receive",
        json={"lines": [{"line_id": mug, "condition": "sellable"}]},
        headers=lyon,
    )
    assert got.status_code == 200, got.text
    done = got.json()
    assert done["status"] == "refunded" and done["refund_minor"] > 0
    assert done["lines"][0]["disposition"] in {"restock", "transfer_to_dc"}


@pytest.fixture
def https_api(api):
    api.client.base_url = ORIGIN
    return api


def test_the_desk_pages_find_the_order_open_the_return_receive_it_and_show_the_outcome(
    https_api,
):
    api = https_api
    _st, lyon, order = desk(api)
    mug, tea = (ln["id"] for ln in order["lines"])
    login(api, lyon["X-API-Key"])
    page = api.client.get("/stores/ST-LYON/returns", params={"q": "ana@example.com"})
    assert page.status_code == 200 and f'data-order="{order["id"]}"' in page.text
    assert "Ana@Example.com" not in page.text and "<script" not in page.text
    token = csrf_of(page.text)
    form = {"order_id": order["id"], f"qty:{mug}": "1", f"qty:{tea}": "0", "reason": "defective"}
    assert api.client.post("/stores/ST-LYON/returns", data=form).status_code == 403  # no token
    r = api.client.post(
        "/stores/ST-LYON/returns",
        data={**form, "csrf_token": token},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    assert re.fullmatch(r"/stores/ST-LYON/returns/RMA-\w+", url)
    shown = api.client.get(url)
    assert f'name="condition:{mug}"' in shown.text and f'name="condition:{tea}"' not in shown.text
    r = api.client.post(
        f"{url}/receive",
        data={f"condition:{mug}": "damaged", "csrf_token": token},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    done = api.client.get(r.headers["location"])
    assert 'data-status="refunded"' in done.text and "Return received." in done.text
    disposition = re.search(r'class="disposition">([^<]+)<', done.text)
    assert disposition and disposition.group(1) in {"refurbish", "liquidate"}
    assert "12.99" in done.text  # a seller fault: the mug refunded in full, no fee
    assert api.client.get("/stores/ST-PARIS-1/returns").status_code == 403  # another store


def test_the_desk_page_names_what_the_rules_refuse(https_api):
    api = https_api
    _st, lyon, order = desk(api)
    mug = order["lines"][0]["id"]
    login(api, lyon["X-API-Key"])
    token = csrf_of(api.client.get("/stores/ST-LYON/returns").text)
    r = api.client.post(
        "/stores/ST-LYON/returns",
        data={
            "order_id": order["id"],
            f"qty:{mug}": "5",
            "reason": "defective",
            "csrf_token": token,
        },
        headers={"Origin": ORIGIN},
    )
    assert r.status_code == 422 and mug in r.text
    assert api.client.get("/stores/ST-LYON/returns/RMA-NOPE").status_code == 404
