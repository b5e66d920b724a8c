"""Customer notifications through the API, with the app's own dispatcher sending to a real SMTP
server on loopback: an order's life produces its messages, in its customer's language, with the
pickup code the store then checks; a send that fails leaves the order's change alone and goes
out once the server is back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.api.state import mailer
from oms.bootstrap import open_state
from oms.config import get_settings
from oms.db import tables
from oms.domain.events import utcnow
from tests.db_templates import migrated_sqlite
from tests.e2e.conftest import Api
from tests.e2e.stores_fixture import build
from tests.smtp_server import SmtpServer, bodies, subjects

SENDER = "Boutique <no-reply@shop.example>"


def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[Api]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OMS_SMTP_FROM", SENDER)
    get_settings.cache_clear()
    state = open_state(migrated_sqlite(tmp_path / "oms.db"), run_migrations=False)
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    try:
        with TestClient(create_app(state)) as client:
            state.warm.wait(120)
            yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})
    finally:
        get_settings.cache_clear()


@pytest.fixture
def api(tmp_path, monkeypatch, smtp_server: SmtpServer) -> Iterator[Api]:
    """The app, its dispatcher sending e-mail to the test's SMTP server."""
    yield from serve(tmp_path, monkeypatch, OMS_SMTP_URL=smtp_server.url)


@pytest.fixture
def quiet_api(tmp_path, monkeypatch, smtp_server: SmtpServer) -> Iterator[Api]:
    """The app without its dispatcher: the test ticks the mailer itself, in virtual time."""
    yield from serve(tmp_path, monkeypatch, OMS_SMTP_URL=smtp_server.url, OMS_DISPATCHER="off")


def pickup_code(api: Api, order_id: str) -> str | None:
    o = tables.orders.c
    with api.state.engine.connect() as conn:
        return conn.execute(select(o.pickup_code).where(o.id == order_id)).scalar_one()


def states(api: Api, order_id: str) -> list[tuple[str, str]]:
    """(kind, status) of the order's notifications, in order. (The order view lists them; its
    schema shows their status once NotificationOut has it.)"""
    n = tables.notifications.c
    stmt = select(n.kind, n.status).where(n.order_id == order_id).order_by(n.id)
    with api.state.engine.connect() as conn:
        return [(kind, str(status)) for kind, status in conn.execute(stmt)]


def ready_order(api: Api, st, **contact: str) -> dict:
    """A pickup at ST-PARIS-1 for the contact given, picked there: ready for pickup."""
    placed = st.order(
        [("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1", destination=None, **contact
    )
    [pick] = [p for p in st.picks("ST-PARIS-1", st.s1) if p["order_id"] == placed["id"]]
    assert st.confirm(pick, st.s1).status_code == 200
    return st.get(placed["id"])


def test_a_pickup_is_announced_in_french_with_the_code_the_store_then_checks(api, smtp_server):
    st = build(api)
    order = ready_order(api, st, email="zoe@example.fr", locale="fr", name="Zoé")
    assert order["status"] == "ready_for_pickup"
    [mail] = [m for m in smtp_server.wait_for(2) if "retirée" in m["Subject"]]
    code = pickup_code(api, order["id"])
    assert code is not None and re.fullmatch(r"[0-9]{6}", code)
    assert mail["To"] == "zoe@example.fr" and mail["Content-Language"] == "fr"
    assert mail["Subject"] == f"Votre commande {order['id']} est prête à être retirée"
    text, html = bodies(mail)
    assert f"Votre code de retrait : {code}" in text and code in html
    assert text.startswith("Bonjour Zoé,") and "Magasin ST-PARIS-1" in text
    # The store checks the code at handover: a wrong one collects nothing.
    wrong = "000000" if code != "000000" else "111111"
    collect = f"/v1/orders/{order['id']}/collect"
    r = api.client.post(collect, json={"pickup_code": wrong}, headers=st.s1)
    assert r.status_code == 422 and r.json()["error"] == "pickup_code_mismatch"
    assert st.get(order["id"])["status"] == "ready_for_pickup"
    r = api.client.post(collect, json={"pickup_code": code}, headers=st.s1)
    assert r.status_code == 200 and r.json()["status"] == "collected"
    view = st.get(order["id"])
    assert [n["kind"] for n in view["notifications"]] == ["order_confirmed", "ready_for_pickup"]
    wait_until(lambda: [n["status"] for n in st.get(order["id"])["notifications"]] == ["sent"] * 2)
    assert sum(e["type"] == "NotificationQueued" for e in view["events"]) == 2


def test_a_parcels_journey_is_told_in_english_with_its_tracking_number(api, smtp_server):
    st = build(api, store_stock=0)
    placed = st.order([("MUG", 1)], email="sam@example.com", locale="en")
    other = st.order([("MUG", 1), ("TEA", 2)], email="sam@example.com", locale="en")
    r = api.client.post(
        f"/v1/orders/{other['id']}/cancel",
        json={"lines": [f"{other['id']}-2"]},
        headers=api.checkout,
    )
    assert r.status_code == 200, r.text
    [shipment] = placed["shipments"]
    r = api.client.post(
        f"/v1/shipments/{shipment['id']}/ship", json={"tracking": "TRK-42"}, headers=api.ops
    )
    assert r.status_code == 200, r.text
    r = api.client.post(f"/v1/shipments/{shipment['id']}/deliver", headers=api.ops)
    assert r.status_code == 200, r.text
    mails = smtp_server.wait_for(5)
    confirmed = [m for m in mails if "confirmed" in m["Subject"]]
    assert len(confirmed) == 2
    mails = [m for m in mails if m not in confirmed]
    assert subjects(mails) == [
        f"Part of your order {other['id']} has been cancelled",
        f"Your order {placed['id']} is on its way",
        f"Your order {placed['id']} has been delivered",
    ]
    assert "- 2 x TEA" in bodies(mails[0])[0]
    assert "Tracking number: TRK-42" in bodies(mails[1])[0]
    assert {m["Content-Language"] for m in mails} == {"en"}
    assert len({m["Message-ID"] for m in mails + confirmed}) == 5


def test_a_send_that_fails_leaves_the_order_ready_and_goes_out_once_smtp_is_back(
    quiet_api, smtp_server
):
    api = quiet_api
    st = build(api)
    smtp_server.down()
    order = ready_order(api, st, email="a@example.com", locale="en")
    assert order["status"] == "ready_for_pickup"  # the change committed, whatever SMTP does
    mail, t0 = mailer(api.state.sessions, api.state.readers, api.state.bus), utcnow()
    assert mail.tick(t0, wait=True) == 2  # the confirmation and the ready message
    assert states(api, order["id"]) == [
        ("order_confirmed", "pending"),
        ("ready_for_pickup", "pending"),
    ]
    smtp_server.up()
    assert mail.tick(t0 + timedelta(minutes=1), wait=True) == 2
    [sent] = [m for m in smtp_server.wait_for(2) if "ready" in m["Subject"]]
    assert sent["Subject"] == f"Your order {order['id']} is ready for pickup"
    assert states(api, order["id"])[-1] == ("ready_for_pickup", "sent")


def wait_until(done, timeout_s: float = 20.0) -> None:
    """The mailer records a send just after the server has the message."""
    until = time.monotonic() + timeout_s
    while not done() and time.monotonic() < until:
        time.sleep(0.05)
    assert done()
