"""Stock counts at a store over HTTP and by page: ops request, the associate counts, a variance
beyond the threshold waits for ops, an applied count sets on_hand through the ledger (ATP at
once), moves what no longer fits as a sync does, and feeds the stock accuracy KPI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from oms.domain.events import EventRecord
from tests.e2e.stores_fixture import build
from tests.e2e.test_store_pages import ORIGIN, csrf_of, login

BASE = "/v1/stores/ST-PARIS-1/counts"


def request(api, key=None, **body):
    return api.client.post(BASE, json=body, headers=key or api.ops)


def submit(api, st, count_id, **counted):
    lines = [{"sku": s, "counted": n} for s, n in counted.items()]
    return api.client.post(f"{BASE}/{count_id}/submit", json={"lines": lines}, headers=st.s1)


def on_hand(st, sku):
    row = st.stock(sku)["ST-PARIS-1"]
    return row["on_hand"], row["reserved"], row["available"]


def logged(api) -> list[tuple[str, object]]:
    """(type, payload) of every event in the log, in order."""
    with api.state.sessions() as session:
        rows = session.scalars(select(EventRecord).order_by(EventRecord.id))
        return [(r.type, r.payload) for r in rows]


def test_ops_request_a_count_by_bin_and_a_count_within_the_threshold_is_applied_at_once(api):
    st = build(api, store_stock=3)
    r = request(api, bins=["A-03-M"])
    assert r.status_code == 201, r.text
    count = r.json()
    assert (count["status"], [x["sku"] for x in count["lines"]]) == ("requested", ["MUG"])
    listed = api.client.get(BASE, headers=st.s1).json()
    assert [c["id"] for c in listed] == [count["id"]]
    r = submit(api, st, count["id"], MUG=1)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "applied"
    assert done["lines"] == [{"sku": "MUG", "expected": 3, "counted": 1, "variance": -2}]
    assert on_hand(st, "MUG") == (1, 0, 1)
    log = logged(api)
    kinds = [t for t, _ in log]
    assert (
        kinds.index("CountRequested") < kinds.index("CountSubmitted") < kinds.index("CountApplied")
    )
    [adjusted] = [p for t, p in log if t == "StockAdjusted"]
    assert adjusted["delta"] == -2 and adjusted["reason"] == "count"
    assert api.client.get(BASE, headers=st.s1).json() == []


def test_a_variance_beyond_the_threshold_waits_for_ops_who_approve_or_reject_it(api):
    st = build(api, store_stock=3)
    first = request(api, skus=["MUG"]).json()
    second = request(api, skus=["TEA"]).json()
    waiting = submit(api, st, first["id"], MUG=9).json()
    assert waiting["status"] == "needs_approval" and on_hand(st, "MUG")[0] == 3
    assert submit(api, st, second["id"], TEA=0).json()["status"] == "needs_approval"
    store_try = api.client.post(f"{BASE}/{first['id']}/approve", headers=st.s1)
    assert store_try.status_code == 403
    r = api.client.post(f"{BASE}/{first['id']}/approve", headers=api.ops)
    assert r.status_code == 200 and r.json()["status"] == "applied"
    assert on_hand(st, "MUG") == (9, 0, 9)
    r = api.client.post(f"{BASE}/{second['id']}/reject", headers=api.ops)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert on_hand(st, "TEA")[0] == 3
    again = api.client.post(f"{BASE}/{second['id']}/approve", headers=api.ops)
    assert again.status_code == 409


def test_a_count_below_an_orders_hold_moves_the_order_to_the_dc_as_a_sync_does(api):
    st = build(api, dc_stock=10, store_stock=3)
    order = st.order([("MUG", 2)])
    assert [s["node"] for s in order["shipments"]] == ["ST-PARIS-1"]
    count = request(api, skus=["MUG"]).json()
    assert submit(api, st, count["id"], MUG=0).json()["status"] == "needs_approval"
    r = api.client.post(f"{BASE}/{count['id']}/approve", headers=api.ops)
    assert r.status_code == 200, r.text
    assert on_hand(st, "MUG") == (0, 0, 0)
    by_node = {s["node"]: s["status"] for s in st.get(order["id"])["shipments"]}
    assert by_node == {"ST-PARIS-1": "cancelled", "DC-LYON": "created"}


def test_counts_are_refused_to_the_wrong_keys_and_checked_line_by_line(api):
    st = build(api)
    assert request(api, key=st.s1, skus=["MUG"]).status_code == 403
    unknown = request(api, skus=["NOPE"])
    assert unknown.status_code == 422 and "NOPE" in unknown.text
    assert request(api, bins=["Z-99"]).status_code == 422
    count = request(api, skus=["MUG", "TEA"]).json()
    other = api.client.get(BASE, headers=st.s2)
    assert other.status_code == 403
    r = submit(api, st, count["id"], MUG=1, CUP=2)
    assert r.status_code == 422
    fields = r.json()["fields"]
    assert any("CUP" in f for f in fields) and any("TEA" in f for f in fields)


def test_the_associate_counts_on_the_page_and_the_stock_accuracy_kpi_reads_the_count(api):
    api.client.base_url = ORIGIN
    st = build(api, store_stock=3)
    count = request(api, skus=["MUG", "TEA"]).json()
    login(api, st.s1["X-API-Key"])
    listing = api.client.get("/stores/ST-PARIS-1/counts")
    assert listing.status_code == 200 and count["id"] in listing.text
    page = api.client.get(f"/stores/ST-PARIS-1/counts/{count['id']}")
    assert 'name="counted:MUG"' in page.text and 'name="counted:TEA"' in page.text
    form = {"counted:MUG": "3", "counted:TEA": "2", "csrf_token": csrf_of(page.text)}
    url = f"/stores/ST-PARIS-1/counts/{count['id']}/submit"
    forged = api.client.post(url, data={**form, "csrf_token": "x"}, headers={"Origin": ORIGIN})
    assert forged.status_code == 403 and on_hand(st, "TEA")[0] == 3
    r = api.client.post(url, data=form, headers={"Origin": ORIGIN}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "applied" in api.client.get(r.headers["location"]).text
    assert on_hand(st, "TEA")[0] == 2
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    period = {"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}
    k = api.client.get("/v1/kpis", params=period, headers=api.ops).json()["stock_accuracy"]
    assert (k["numerator"], k["denominator"]) == (1, 2)
