"""GDPR on SQLite and PostgreSQL, through the served app: a person's distinctive e-mail, name,
phone and address written through every path that takes them (customer, address, orders by
customer and as a guest, a reservation, a search, webhook deliveries, the export), then erased:
no table and no log line holds any of them afterwards, while ids, SKUs, amounts, dates, country
and the postcode's first two characters remain."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.api.observability import flush_access_log
from oms.bootstrap import open_state
from oms.config import get_settings
from oms.db import tables
from tests.e2e.conftest import Api
from tests.e2e.test_promise_api import network
from tests.smtp_server import SmtpServer
from tests.webhook_receiver import Receiver

EMAIL = "zyx.gdpr.7f3a@example.org"
NAME = "Quentin Zyxwvut"
PHONE = "+33 7 98 76 54 32"
LINE1 = "17 Impasse Qwertzuiop"
EXTERNAL = "crm-zyx-991"
# Every form a value could be stored in.
NEEDLES = [
    EMAIL,
    NAME,
    "Zyxwvut",
    PHONE,
    "+33798765432",
    "798765432",
    LINE1,
    "Qwertzuiop",
    EXTERNAL,
]
ADDRESS = {"line1": LINE1, "postcode": "26000", "city": "Valence", "country": "FR"}


@pytest.fixture
def app(
    migrated_db_url: str, monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer
) -> Iterator[Api]:
    monkeypatch.setenv("OMS_WEBHOOKS_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("OMS_SMTP_URL", smtp_server.url)
    get_settings.cache_clear()
    state = open_state(migrated_db_url)
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    try:
        with TestClient(create_app(state)) as client:
            state.warm.wait(120)
            yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})
    finally:
        get_settings.cache_clear()


def _write_the_person_everywhere(
    api: Api, receiver: Receiver, smtp_server: SmtpServer
) -> tuple[str, list[str]]:
    c, ops, checkout = api.client, api.ops, api.checkout
    hook = c.post("/v1/webhooks", json={"url": receiver.url(), "events": ["*"]}, headers=ops)
    receiver.secrets["/hook"] = hook.json()["secret"]
    network(api, dc_stock=50)
    person = {"email": EMAIL, "name": NAME, "phone": PHONE, "locale": "fr", "external_id": EXTERNAL}
    cid = c.post("/v1/customers", json=person, headers=checkout).json()["id"]
    assert (
        c.post(f"/v1/customers/{cid}/addresses", json=ADDRESS, headers=checkout).status_code == 201
    )
    c.patch(f"/v1/customers/{cid}", json={"name": NAME + " Jr"}, headers=ops)
    c.patch(f"/v1/customers/{cid}", json={"name": NAME}, headers=ops)
    lines = [{"sku": "MUG", "qty": 1}]
    mine = c.post(
        "/v1/orders",
        json={"lines": lines, "customer_id": cid, "address": ADDRESS},
        headers=checkout,
    ).json()
    guest_body = {"lines": lines, "email": EMAIL.upper(), "name": NAME, "phone": PHONE}
    guest = c.post("/v1/orders", json={**guest_body, "address": ADDRESS}, headers=checkout).json()
    held = {"lines": lines, "email": EMAIL, "name": NAME, "address": ADDRESS}
    assert c.post("/v1/reservations", json=held, headers=checkout).status_code == 201
    c.post(f"/v1/orders/{guest['id']}/cancel", headers=checkout)
    track = c.post(
        "/track",
        data={"order": mine["id"], "email": EMAIL},
        headers={"Origin": str(c.base_url)},
    )
    assert track.status_code == 200 and NAME not in track.text
    c.get(f"/v1/customers?email={EMAIL}", headers=ops)
    c.get(f"/v1/orders?q={EMAIL}", headers=ops)
    c.get(f"/v1/customers?phone={PHONE}", headers=ops)
    exported = c.get(f"/v1/customers/{cid}/export", headers=ops)
    assert exported.status_code == 200
    text = exported.text
    assert EMAIL in text and NAME in text and LINE1 in text
    assert {o["id"] for o in exported.json()["orders"]} == {mine["id"], guest["id"]}
    _wait_for(lambda: len(receiver.delivered()) >= 8)
    _wait_for(lambda: len(smtp_server.received()) >= 3)  # two confirmations, a cancellation
    return cid, [mine["id"], guest["id"]]


def _wait_for(done, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert done()


def _every_stored_value(api: Api) -> list[tuple[str, str]]:
    found = []
    with api.state.sessions() as session:
        for table in tables.metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    found.append((table.name, text))
    return found


def test_an_erased_person_is_in_no_table_and_no_log_line_and_the_books_still_add_up(
    app: Api,
    receiver: Receiver,
    smtp_server: SmtpServer,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
):
    cid, order_ids = _write_the_person_everywhere(app, receiver, smtp_server)
    before = {o: app.client.get(f"/v1/orders/{o}", headers=app.ops).json() for o in order_ids}
    stored = _every_stored_value(app)
    assert any(EMAIL in v for _, v in stored)  # the scan below can see them

    r = app.client.post(f"/v1/customers/{cid}/erase", headers=app.ops)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["orders"]) == sorted(order_ids) and r.json()["payloads_scrubbed"] > 0

    left = [(t, n) for t, v in _every_stored_value(app) for n in NEEDLES if n.lower() in v.lower()]
    assert left == []
    flush_access_log()
    logged = capfd.readouterr()
    log_text = logged.out + logged.err + caplog.text
    assert [n for n in NEEDLES if n.lower() in log_text.lower()] == []

    for oid, was in before.items():
        now = app.client.get(f"/v1/orders/{oid}", headers=app.ops).json()
        assert now["address"] == {"country": "FR", "postcode": "26", **_nulls(now["address"])}
        assert now["email"] and now["email"].endswith("@erased.invalid")
        assert now["name"] is None and now["phone"] is None
        for key in ("id", "status", "channel", "lines", "refunds", "discount_minor"):
            assert now[key] == was[key], key
    profile = app.client.get(f"/v1/customers/{cid}", headers=app.ops).json()
    assert profile["erased"] is True and profile["external_id"] is None


def _nulls(address: dict) -> dict:
    return {k: v for k, v in address.items() if k not in ("country", "postcode")}


def test_erasing_twice_changes_nothing_more_and_raises_customer_erased_once(app: Api):
    network(app)
    cid = app.client.post("/v1/customers", json={"email": EMAIL}, headers=app.ops).json()["id"]
    first = app.client.post(f"/v1/customers/{cid}/erase", headers=app.ops).json()
    again = app.client.post(f"/v1/customers/{cid}/erase", headers=app.ops)
    assert again.status_code == 200
    assert (
        again.json()["erased_at"] == first["erased_at"] and again.json()["payloads_scrubbed"] == 0
    )
    with app.state.sessions() as session:
        erased = session.scalars(
            select(tables.outbox.c.type).where(tables.outbox.c.type == "customer.erased")
        ).all()
    assert erased == ["customer.erased"]
    # The address can take the same e-mail again: a new customer.
    assert (
        app.client.post("/v1/customers", json={"email": EMAIL}, headers=app.ops).status_code == 201
    )


def test_export_and_erase_are_for_ops_keys_only(app: Api):
    cid = app.client.post("/v1/customers", json={"email": EMAIL}, headers=app.ops).json()["id"]
    assert app.client.get(f"/v1/customers/{cid}/export", headers=app.checkout).status_code == 403
    assert app.client.post(f"/v1/customers/{cid}/erase", headers=app.checkout).status_code == 403
    assert app.client.post("/v1/customers/cus_none/erase", headers=app.ops).status_code == 404
