"""The ops KPI page: an ops key signs in (the store pages' sessions, its own cookie under /ops),
the page shows every KPI with a chart drawn as inline SVG under the HTML CSP; other keys and
other sessions are refused; a bad period is shown, not a crash."""

from __future__ import annotations

import re

import pytest

from oms.api.security_headers import HTML_POLICY
from tests.e2e.stores_fixture import build
from tests.e2e.test_live_kpis import shop as shop_fixture

shop = shop_fixture
ORIGIN = "https://testserver"


@pytest.fixture
def api(api):
    api.client.base_url = ORIGIN  # a Secure cookie comes back only over https
    return api


def sign_in(api, key):
    return api.client.post("/ops/login", data={"key": key}, follow_redirects=False)


def test_an_ops_key_signs_in_and_sees_every_kpi_with_its_chart(api, shop):
    r = sign_in(api, api.ops["X-API-Key"])
    assert r.status_code == 303 and r.headers["location"] == "/ops/kpis"
    cookie = r.headers["set-cookie"]
    assert "oms_ops_session=" in cookie and "Path=/ops" in cookie and "HttpOnly" in cookie
    assert api.ops["X-API-Key"] not in cookie
    page = api.client.get("/ops/kpis")
    assert page.status_code == 200 and page.headers["content-security-policy"] == HTML_POLICY
    assert "<script" not in page.text
    assert len(re.findall(r'<svg class="chart"', page.text)) == 8
    omni = re.search(
        r'id="kpi-omnichannel_share">\s*<h2>[^<]*<span class="value">([^<]+)', page.text
    )
    assert omni and omni.group(1) == "80.0%"
    assert "4 / 5" in page.text and "no counts recorded" in page.text


def test_a_store_key_neither_signs_in_nor_reads_the_page(api, shop):
    r = sign_in(api, shop.s1["X-API-Key"])
    assert r.status_code == 401 and "only an ops key signs in" in r.text
    assert "set-cookie" not in r.headers
    assert api.client.get("/ops/kpis", headers=shop.s1).status_code == 403
    assert api.client.get("/ops/kpis", headers=api.checkout).status_code == 403
    assert api.client.get("/ops/kpis").status_code == 401  # the sign-in form


def test_a_store_session_does_not_open_the_ops_page(api):
    st = build(api)
    r = api.client.post("/stores/login", data={"key": st.s1["X-API-Key"]}, follow_redirects=False)
    assert r.status_code == 303
    token = api.client.cookies.get("oms_store_session")
    api.client.cookies.set("oms_ops_session", token, path="/ops")
    assert api.client.get("/ops/kpis").status_code == 401


def test_a_bad_period_is_shown_on_the_page_naming_it(api):
    build(api)
    r = api.client.get("/ops/kpis?from=2026-09-02&to=2026-09-01", headers=api.ops)
    assert r.status_code == 422 and "to: must be after from" in r.text
    r = api.client.get("/ops/kpis?from=yesterday", headers=api.ops)
    assert r.status_code == 422 and "from: not an ISO 8601 instant" in r.text


def test_signing_out_needs_the_pages_csrf_token(api):
    sign_in(api, api.ops["X-API-Key"])
    page = api.client.get("/ops/kpis")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    refused = api.client.post("/ops/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    done = api.client.post("/ops/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ops/login"
    assert api.client.get("/ops/kpis").status_code == 401
