"""The pick pages: product names and reject forms on the pick list, the batch walk by bin and
its confirmation, a rejection posted by form (session, CSRF token, same origin)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.stores_fixture import build
from tests.e2e.test_store_pages import ORIGIN, PICKLIST, csrf_of, login


@pytest.fixture
def api(api):
    api.client.base_url = ORIGIN  # the session cookie is Secure: https, as in production
    return api


def test_the_pick_list_names_products_and_offers_a_reject_form_per_line_and_per_pick(api):
    st = build(api)
    api.client.put("/v1/skus/MUG", json={"name": "Blue mug", "price_minor": 1}, headers=api.ops)
    order = st.order([("MUG", 2)])
    page = api.client.get(PICKLIST, headers=st.s1).text
    assert "Blue mug" in page
    assert f'data-reject-line="{order["lines"][0]["id"]}"' in page and "data-reject-pick" in page
    assert '<option value="damaged">' in page and 'form="batch"' in page


def test_a_batch_walk_confirmed_by_form_confirms_every_pick_of_it(api):
    st = build(api)
    first, second = st.order([("MUG", 1), ("TEA", 1)]), st.order([("MUG", 2)])
    ids = [p["id"] for p in st.picks("ST-PARIS-1", st.s1)]
    login(api, st.s1["X-API-Key"])
    page = api.client.get("/stores/ST-PARIS-1/batch", params={"picks": ids})
    assert page.status_code == 200, page.text
    assert re.findall(r'data-stop="([^"]+)"', page.text) == ["A-03-M:MUG"] * 2 + ["A-03-T:TEA"]
    fields = dict(re.findall(r'name="(picked:[^"]+)" value="(\d+)"', page.text))
    form = {**fields, "csrf_token": csrf_of(page.text)}
    r = api.client.post(
        "/stores/ST-PARIS-1/batch/confirm",
        data=form,
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "2 picks confirmed" in api.client.get(r.headers["location"]).text
    for order in (first, second):
        assert st.get(order["id"])["shipments"][0]["status"] == "picked"


def test_a_line_rejected_by_form_is_resourced_and_a_bad_reason_is_shown(api):
    st = build(api)
    order = st.order([("MUG", 2)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    url = f"/stores/ST-PARIS-1/picks/{pick['id']}/reject"
    line = order["lines"][0]["id"]
    login(api, st.s1["X-API-Key"])
    token = csrf_of(api.client.get(PICKLIST).text)
    form = {"line_id": line, "qty": "1", "reason": "bored", "csrf_token": token}
    bad = api.client.post(url, data=form, headers={"Origin": ORIGIN})
    assert bad.status_code == 422 and "unknown reason" in bad.text
    no_token = {**form, "reason": "damaged", "csrf_token": "x"}
    assert api.client.post(url, data=no_token, headers={"Origin": ORIGIN}).status_code == 403
    form["reason"] = "damaged"
    r = api.client.post(url, data=form, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "1 units rejected (damaged)" in api.client.get(r.headers["location"]).text
    nodes = {a["node"]: a["qty"] for a in st.get(order["id"])["lines"][0]["allocations"]}
    assert nodes == {"ST-PARIS-1": 1, "DC-LYON": 1}
