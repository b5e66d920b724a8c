"""The pick list page: login by form (cookie) or header, one store per key, confirm by form."""

from __future__ import annotations

from tests.e2e.stores_fixture import build


def login(api, key: str, node: str = ""):
    r = api.client.post("/stores/login", data={"key": key, "node": node}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def test_a_store_key_given_once_opens_its_pick_list_from_a_cookie(api):
    st = build(api)
    order = st.order([("MUG", 2), ("TEA", 1)])
    r = login(api, st.s1["X-API-Key"])
    assert r.headers["location"] == "/stores/ST-PARIS-1/picklist"
    assert "httponly" in r.headers["set-cookie"].lower()
    page = api.client.get("/stores/ST-PARIS-1/picklist")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert order["id"] in html and html.index("A-03-M") < html.index("A-03-T")
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_the_page_also_takes_the_header_and_refuses_other_stores(api):
    st = build(api)
    st.order([("MUG", 1)])
    assert api.client.get("/stores/ST-PARIS-1/picklist", headers=st.s1).status_code == 200
    other = api.client.get("/stores/ST-PARIS-1/picklist", headers=st.s2)
    assert other.status_code == 403 and "bound to ST-PARIS-2" in other.text
    anonymous = api.client.get("/stores/ST-PARIS-1/picklist")
    assert anonymous.status_code == 401 and 'name="key"' in anonymous.text
    bad = api.client.post("/stores/login", data={"key": "nope"}, follow_redirects=False)
    assert bad.status_code == 401 and "unknown" in bad.text


def test_confirming_a_line_short_in_the_page_resources_it(api):
    st = build(api)
    order = st.order([("MUG", 3)])
    line = order["lines"][0]["id"]
    [pick] = st.picks("ST-PARIS-1", st.s1)
    login(api, st.s1["X-API-Key"])
    url = f"/stores/ST-PARIS-1/picks/{pick['id']}/confirm"
    r = api.client.post(url, data={f"picked:{line}": "1"}, follow_redirects=False)
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
    order = st.order([("MUG", 2)])
    line = order["lines"][0]["id"]
    [pick] = st.picks("ST-PARIS-1", st.s1)
    url = f"/stores/ST-PARIS-1/picks/{pick['id']}/confirm"
    r = api.client.post(url, data={f"picked:{line}": "x"}, headers=st.s1)
    assert r.status_code == 422 and "whole number" in r.text
    r = api.client.post(url, data={f"picked:{line}": "5"}, headers=st.s1)
    assert r.status_code == 422 and "within 0..2" in r.text
    assert st.picks("ST-PARIS-1", st.s1)[0]["status"] == "open"
    assert api.client.post(url, data={f"picked:{line}": "2"}, headers=st.s2).status_code == 403
