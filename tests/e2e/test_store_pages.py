"""The store pages: sign in with a store key (a server-side session; the cookie holds only its
token), one store per key, confirm by form with a CSRF token and a same-origin check, security
headers on every HTML page."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from oms.access.model import ApiKey, StoreSession
from oms.api import store_sessions
from oms.api.auth import hash_key
from oms.api.security_headers import DOCS_POLICY, HTML_POLICY
from oms.config import get_settings
from oms.db.types import utcnow
from tests.e2e.stores_fixture import build

ORIGIN = "https://testserver"  # the test client's own origin once it speaks https
PICKLIST = "/stores/ST-PARIS-1/picklist"


@pytest.fixture
def api(api):
    """The app over https, as in production: a Secure cookie is sent back only over https."""
    api.client.base_url = ORIGIN
    return api


@pytest.fixture
def cookie_setting(monkeypatch):
    """Set OMS_COOKIE_SECURE for the test (settings are read once per process: cleared)."""

    def set_to(value: str) -> None:
        monkeypatch.setenv("OMS_COOKIE_SECURE", value)
        get_settings.cache_clear()

    yield set_to
    monkeypatch.delenv("OMS_COOKIE_SECURE", raising=False)
    get_settings.cache_clear()


def login(api, key: str, client: TestClient | None = None, **headers: str):
    client = client or api.client
    r = client.post("/stores/login", data={"key": key}, headers=headers, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sessions_in(api) -> list[StoreSession]:
    with api.state.sessions() as session:
        return list(session.scalars(select(StoreSession)))


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    return {p.split("=", 1)[0].lower(): p.split("=", 1)[1] if "=" in p else "" for p in parts[1:]}


def open_pick(api, st, qty: int = 2):
    order = st.order([("MUG", qty)])
    [pick] = st.picks("ST-PARIS-1", st.s1)
    return order, pick, f"/stores/ST-PARIS-1/picks/{pick['id']}/confirm"


def assert_nothing_changed(st, pick, stock_before) -> None:
    [still] = st.picks("ST-PARIS-1", st.s1)
    assert still["id"] == pick["id"] and still["status"] == "open"
    assert st.stock("MUG") == stock_before


# --- signing in --------------------------------------------------------------------------------


def test_a_store_key_given_once_opens_its_pick_list_from_a_session_cookie(api):
    st = build(api)
    order = st.order([("MUG", 2), ("TEA", 1)])
    r = login(api, st.s1["X-API-Key"])
    assert r.headers["location"] == "/stores/ST-PARIS-1"  # the Today page, which links here
    page = api.client.get(PICKLIST)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert order["id"] in html and html.index("A-03-M") < html.index("A-03-T")
    assert "<script" not in html and "http://" not in html and "https://" not in html
    assert page.headers["cache-control"] == "no-store"


def test_the_cookie_holds_a_session_token_not_the_key_and_is_httponly_strict_and_short_lived(
    api,
):
    st = build(api)
    key = st.s1["X-API-Key"]
    before = utcnow()
    r = login(api, key)
    set_cookie = r.headers["set-cookie"]
    name, token = set_cookie.split(";")[0].split("=", 1)
    assert name == store_sessions.COOKIE
    assert key not in set_cookie and hash_key(key) not in set_cookie
    assert len(token) >= 43  # 32 random bytes, URL-safe
    attrs = cookie_attributes(set_cookie)
    assert "httponly" in attrs and "secure" in attrs
    assert attrs["samesite"].lower() == "strict" and attrs["path"] == "/stores"
    minutes = get_settings().store_session_minutes
    assert int(attrs["max-age"]) == minutes * 60
    expires = parsedate_to_datetime(attrs["expires"])
    assert abs(expires - (before + timedelta(minutes=minutes))) < timedelta(minutes=1)
    # The server keeps the token's hash only, bound to the key and its store.
    [row] = sessions_in(api)
    assert row.id == hashlib.sha256(token.encode()).hexdigest() and token not in row.id
    assert row.node_id == "ST-PARIS-1" and row.csrf_token != token
    assert abs(row.expires_at - (before + timedelta(minutes=minutes))) < timedelta(minutes=1)
    # Neither the key nor the session token is ever in a page.
    html = api.client.get(PICKLIST).text
    assert key not in html and token not in html and row.csrf_token in html


def test_the_cookie_is_secure_unless_plain_http_from_loopback_or_as_the_setting_says(
    api, cookie_setting
):
    st = build(api)
    key = st.s1["X-API-Key"]

    def secure(base: str, host: str) -> bool:
        client = TestClient(api.client.app, base_url=base, client=(host, 50000))
        attrs = cookie_attributes(login(api, key, client).headers["set-cookie"])
        return "secure" in attrs

    assert get_settings().cookie_secure == "auto"
    assert secure("http://127.0.0.1", "127.0.0.1") is False  # a developer's own browser
    assert secure("http://localhost", "::1") is False
    assert secure("https://shop.example", "127.0.0.1") is True
    assert secure("http://shop.example", "203.0.113.7") is True
    cookie_setting("never")
    assert secure("https://shop.example", "203.0.113.7") is False
    cookie_setting("always")
    assert secure("http://127.0.0.1", "127.0.0.1") is True


def test_the_secure_decision_of_auto_looks_at_the_scheme_and_a_loopback_client():
    decide = store_sessions.cookie_is_secure
    assert not decide("auto", "http", "127.0.0.1") and not decide("auto", "http", "127.9.9.9")
    assert not decide("auto", "http", "::1") and not decide("auto", "http", "::ffff:127.0.0.1")
    assert decide("auto", "https", "127.0.0.1") and decide("auto", "http", "10.0.0.1")
    assert decide("auto", "http", "localhost") and decide("auto", "http", None)
    assert decide("always", "http", "127.0.0.1") and not decide("never", "https", "10.0.0.1")


def test_an_ops_or_checkout_key_cannot_sign_in_to_the_store_pages(api):
    build(api)
    for key in (api.ops["X-API-Key"], api.checkout["X-API-Key"]):
        r = api.client.post("/stores/login", data={"key": key}, follow_redirects=False)
        assert r.status_code == 401 and "only a store key signs in" in r.text
        assert "set-cookie" not in r.headers and key not in r.text
    assert sessions_in(api) == []


def test_the_page_also_takes_the_header_and_refuses_other_stores(api):
    st = build(api)
    st.order([("MUG", 1)])
    by_header = api.client.get(PICKLIST, headers=st.s1)
    assert by_header.status_code == 200 and "set-cookie" not in by_header.headers
    assert 'name="csrf_token"' not in by_header.text  # no session, no token, no sign-out form
    other = api.client.get(PICKLIST, headers=st.s2)
    assert other.status_code == 403 and "bound to ST-PARIS-2" in other.text
    anonymous = api.client.get(PICKLIST)
    assert anonymous.status_code == 401 and 'name="key"' in anonymous.text
    bad = api.client.post("/stores/login", data={"key": "nope"}, follow_redirects=False)
    assert bad.status_code == 401 and "unknown" in bad.text


def test_a_store_session_is_bound_to_its_store(api):
    st = build(api)
    _, pick, url = open_pick(api, st)
    stock = st.stock("MUG")
    login(api, st.s2["X-API-Key"])
    page = api.client.get("/stores/ST-PARIS-2/picklist")
    token = csrf_of(page.text)
    other = api.client.get(PICKLIST)
    assert other.status_code == 403 and "bound to ST-PARIS-2, not ST-PARIS-1" in other.text
    r = api.client.post(url, data={"csrf_token": token}, headers={"Origin": ORIGIN})
    assert r.status_code == 403
    assert_nothing_changed(st, pick, stock)


# --- confirming by form ----------------------------------------------------------------------


def test_confirming_a_line_short_in_the_page_resources_it(api):
    st = build(api)
    order, pick, url = open_pick(api, st, qty=3)
    line = order["lines"][0]["id"]
    login(api, st.s1["X-API-Key"])
    token = csrf_of(api.client.get(PICKLIST).text)
    form = {f"picked:{line}": "1", "csrf_token": token}
    r = api.client.post(url, data=form, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = api.client.get(r.headers["location"])
    assert (
        "confirmed" in page.text
        and pick["id"] not in page.text.split("</header>")[1].split("flash")[0]
    )
    nodes = {a["node"]: a["qty"] for a in st.get(order["id"])["lines"][0]["allocations"]}
    assert nodes == {"ST-PARIS-1": 1, "DC-LYON": 2}


def test_a_bad_count_in_the_page_is_shown_and_changes_nothing(api):
    st = build(api)
    order, _, url = open_pick(api, st)
    line = order["lines"][0]["id"]
    r = api.client.post(url, data={f"picked:{line}": "x"}, headers=st.s1)
    assert r.status_code == 422 and "whole number" in r.text
    r = api.client.post(url, data={f"picked:{line}": "5"}, headers=st.s1)
    assert r.status_code == 422 and "within 0..2" in r.text
    assert st.picks("ST-PARIS-1", st.s1)[0]["status"] == "open"
    assert api.client.post(url, data={f"picked:{line}": "2"}, headers=st.s2).status_code == 403


def test_a_post_without_the_csrf_token_or_with_a_wrong_one_is_403_and_changes_nothing(api):
    st = build(api)
    order, pick, url = open_pick(api, st)
    line = order["lines"][0]["id"]
    stock = st.stock("MUG")
    login(api, st.s1["X-API-Key"])
    token = csrf_of(api.client.get(PICKLIST).text)
    for form in (
        {f"picked:{line}": "0"},
        {f"picked:{line}": "0", "csrf_token": ""},
        {f"picked:{line}": "0", "csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B")},
        {f"picked:{line}": "0", "csrf_token": "é" * 43},
    ):
        for origin in ({"Origin": ORIGIN}, {}):  # a same-origin post still needs the token
            r = api.client.post(url, data=form, headers=origin, follow_redirects=False)
            assert r.status_code == 403 and "CSRF token" in r.text, r.text
    assert_nothing_changed(st, pick, stock)
    # Another session's token is no better than none.
    other = TestClient(api.client.app, base_url=ORIGIN)
    login(api, st.s1["X-API-Key"], other)
    theirs = csrf_of(other.get(PICKLIST).text)
    assert theirs != token
    r = api.client.post(url, data={f"picked:{line}": "0", "csrf_token": theirs})
    assert r.status_code == 403
    assert_nothing_changed(st, pick, stock)


def test_a_post_from_a_foreign_origin_is_403_and_changes_nothing_even_with_the_token(api):
    st = build(api)
    order, pick, url = open_pick(api, st)
    line = order["lines"][0]["id"]
    stock = st.stock("MUG")
    login(api, st.s1["X-API-Key"])
    form = {f"picked:{line}": "0", "csrf_token": csrf_of(api.client.get(PICKLIST).text)}
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver"},  # another scheme is another origin
        {"Origin": "https://testserver:8443"},  # and so is another port
        {"Origin": "null"},  # a sandboxed frame, or a page that hides where it is
        {"Referer": "https://evil.example/page"},  # no Origin: the Referer decides
        {"Origin": "https://evil.example", "Referer": f"{ORIGIN}/stores/ST-PARIS-1/picklist"},
    ):
        r = api.client.post(url, data=form, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and "not sent from this site" in r.text, (headers, r.text)
    assert_nothing_changed(st, pick, stock)
    # The same form from the page's own origin, or with only a same-origin Referer, is taken.
    r = api.client.post(
        url, data=form, headers={"Referer": f"{ORIGIN}{PICKLIST}"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def test_the_sign_in_form_is_refused_from_a_foreign_origin(api):
    st = build(api)
    r = api.client.post(
        "/stores/login",
        data={"key": st.s1["X-API-Key"]},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert sessions_in(api) == []
    login(api, st.s1["X-API-Key"], Origin=ORIGIN)


def test_scripts_with_the_header_need_no_csrf_token(api):
    st = build(api)
    order, _, url = open_pick(api, st)
    line = order["lines"][0]["id"]
    r = api.client.post(url, data={f"picked:{line}": "2"}, headers=st.s1, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert st.picks("ST-PARIS-1", st.s1) == []


# --- the end of a session ----------------------------------------------------------------------


def test_an_expired_session_is_refused_and_deleted(api):
    st = build(api)
    login(api, st.s1["X-API-Key"])
    with api.state.sessions() as session:
        session.execute(update(StoreSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
    r = api.client.get(PICKLIST)
    assert r.status_code == 401 and "expired" in r.text and 'name="key"' in r.text
    assert "max-age=0" in r.headers["set-cookie"].lower()  # the dead cookie is dropped
    assert sessions_in(api) == []


def test_a_session_whose_key_was_revoked_or_has_expired_is_refused(api):
    st = build(api)
    for change, word in (({"revoked": True}, "revoked"), ({"expires_at": utcnow()}, "expired")):
        client = TestClient(api.client.app, base_url=ORIGIN)
        login(api, st.s1["X-API-Key"], client)
        assert client.get(PICKLIST).status_code == 200
        with api.state.sessions() as session:
            digest = hash_key(st.s1["X-API-Key"])
            session.execute(update(ApiKey).where(ApiKey.key_hash == digest).values(**change))
            session.commit()
        r = client.get(PICKLIST)
        assert r.status_code == 401 and word in r.text, r.text
        assert sessions_in(api) == []
        with api.state.sessions() as session:  # back to an active key for the next case
            session.execute(
                update(ApiKey)
                .where(ApiKey.key_hash == digest)
                .values(revoked=False, expires_at=None)
            )
            session.commit()


def test_signing_out_ends_the_session_and_drops_the_cookie(api):
    st = build(api)
    token = login(api, st.s1["X-API-Key"]).cookies[store_sessions.COOKIE]
    csrf = csrf_of(api.client.get(PICKLIST).text)
    # Signing out is a form too: without the session's token it is refused.
    assert api.client.post("/stores/logout", follow_redirects=False).status_code == 403
    assert len(sessions_in(api)) == 1
    r = api.client.post("/stores/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/stores/login"
    assert "max-age=0" in r.headers["set-cookie"].lower()
    assert sessions_in(api) == []
    assert api.client.get(PICKLIST).status_code == 401
    # The old token, kept by someone, opens nothing any more.
    replay = TestClient(api.client.app, base_url=ORIGIN, cookies={store_sessions.COOKIE: token})
    assert replay.get(PICKLIST).status_code == 401


def test_signing_in_again_ends_the_browsers_previous_session_and_clears_expired_ones(api):
    st = build(api)
    login(api, st.s1["X-API-Key"])
    old = TestClient(api.client.app, base_url=ORIGIN)
    login(api, st.s2["X-API-Key"], old)
    with api.state.sessions() as session:
        session.execute(
            update(StoreSession)
            .where(StoreSession.node_id == "ST-PARIS-2")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    login(api, st.s1["X-API-Key"])
    [row] = sessions_in(api)
    assert row.node_id == "ST-PARIS-1"
    with api.state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoreSession)) == 1


# --- headers ----------------------------------------------------------------------------------


def test_html_responses_carry_the_security_headers_and_every_response_nosniff(api):
    st = build(api)
    pages = [
        api.client.get("/stores/login"),
        api.client.get(PICKLIST),  # the 401 sign-in page
        api.client.get(PICKLIST, headers=st.s1),
        api.client.get(PICKLIST, headers=st.s2),  # the 403 message page
    ]
    for page in pages:
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == HTML_POLICY
        assert "script-src" not in HTML_POLICY and "default-src 'none'" in HTML_POLICY
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"
    api_json = api.client.get("/v1/stores/ST-PARIS-1/picks", headers=st.s1)
    promise = api.client.post("/v1/promise", json={}, headers=api.checkout)
    for r in (api_json, promise, api.client.get("/openapi.json")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in r.headers and "x-frame-options" not in r.headers


def test_the_api_docs_get_their_own_policy_so_their_scripts_still_run(api):
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        r = api.client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert r.headers["content-security-policy"] == DOCS_POLICY
        assert "default-src" not in DOCS_POLICY and "script-src" not in DOCS_POLICY
        assert r.headers["x-frame-options"] == "DENY"
