"""Customer notifications through the API, with the app's own dispatcher sending to a real SMTP
server on loopback: an order's life produces its messages, in its customer's language, with the
pickup code the store then checks; a send that fails leaves the order's change alone and goes
out once the server is back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.api.notification_schemas import CollectIn
from oms.api.state import mailer
from oms.bootstrap import open_state
from oms.config import get_settings
from oms.db import tables
from oms.domain.events import utcnow
from oms.stores.fulfilment import collect_order
from oms.stores.pickup_codes import PickupCodeMismatch
from tests.contact_notify import give_contact
from tests.e2e.conftest import Api
from tests.e2e.stores_fixture import build
from tests.smtp_server import SmtpServer, bodies, subjects

SENDER = "Boutique <no-reply@shop.example>"


def serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[Api]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OMS_SMTP_FROM", SENDER)
    get_settings.cache_clear()
    state = open_state(f"sqlite:///{tmp_path / 'oms.db'}")
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
    placed = st.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1", destination=None)
    give_contact(api.state.engine, placed["id"], **contact)
    [pick] = [p for p in st.picks("ST-PARIS-1", st.s1) if p["order_id"] == placed["id"]]
    assert st.confirm(pick, st.s1).status_code == 200
    return st.get(placed["id"])


def test_a_pickup_is_announced_in_french_with_the_code_the_store_then_checks(api, smtp_server):
    st = build(api)
    order = ready_order(api, st, email="zoe@example.fr", locale="fr", name="Zoé")
    assert order["status"] == "ready_for_pickup"
    [mail] = smtp_server.wait_for(1)
    code = pickup_code(api, order["id"])
    assert code is not None and re.fullmatch(r"[0-9]{6}", code)
    assert mail["To"] == "zoe@example.fr" and mail["Content-Language"] == "fr"
    assert mail["Subject"] == f"Votre commande {order['id']} est prête à être retirée"
    text, html = bodies(mail)
    assert f"Votre code de retrait : {code}" in text and code in html
    assert text.startswith("Bonjour Zoé,") and "Magasin ST-PARIS-1" in text
    # The store checks the code at handover: a wrong one collects nothing.
    wrong = CollectIn(pickup_code="000000" if code != "000000" else "111111").pickup_code
    with api.state.unit_of_work() as uow, pytest.raises(PickupCodeMismatch):
        collect_order(uow, order["id"], "ST-PARIS-1", pickup_code=wrong)
    assert st.get(order["id"])["status"] == "ready_for_pickup"
    with api.state.unit_of_work() as uow:
        assert collect_order(uow, order["id"], "ST-PARIS-1", pickup_code=code).status == "collected"
    view = st.get(order["id"])
    assert [n["kind"] for n in view["notifications"]] == ["order_confirmed", "ready_for_pickup"]
    # The confirmation was queued at creation, before the order had an e-mail: skipped.
    assert states(api, order["id"]) == [
        ("order_confirmed", "skipped"),
        ("ready_for_pickup", "sent"),
    ]
    assert sum(e["type"] == "NotificationQueued" for e in view["events"]) == 2


def test_a_parcels_journey_is_told_in_english_with_its_tracking_number(api, smtp_server):
    st = build(api, store_stock=0)
    placed = st.order([("MUG", 1)])
    other = st.order([("MUG", 1), ("TEA", 2)])
    for order_id in (placed["id"], other["id"]):
        give_contact(api.state.engine, order_id, email="sam@example.com", locale="en")
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
    mails = smtp_server.wait_for(3)
    assert subjects(mails) == [
        f"Part of your order {other['id']} has been cancelled",
        f"Your order {placed['id']} is on its way",
        f"Your order {placed['id']} has been delivered",
    ]
    assert "- 2 x TEA" in bodies(mails[0])[0]
    assert "Tracking number: TRK-42" in bodies(mails[1])[0]
    assert {m["Content-Language"] for m in mails} == {"en"}
    assert len({m["Message-ID"] for m in mails}) == 3


def test_a_send_that_fails_leaves_the_order_ready_and_goes_out_once_smtp_is_back(
    quiet_api, smtp_server
):
    api = quiet_api
    st = build(api)
    smtp_server.down()
    order = ready_order(api, st, email="a@example.com", locale="en")
    assert order["status"] == "ready_for_pickup"  # the change committed, whatever SMTP does
    mail, t0 = mailer(api.state.sessions, api.state.readers, api.state.bus), utcnow()
    assert mail.tick(t0, wait=True) == 1
    assert states(api, order["id"])[-1] == ("ready_for_pickup", "pending")
    smtp_server.up()
    assert mail.tick(t0 + timedelta(minutes=1), wait=True) == 1
    [sent] = smtp_server.wait_for(1)
    assert sent["Subject"] == f"Your order {order['id']} is ready for pickup"
    assert states(api, order["id"])[-1] == ("ready_for_pickup", "sent")
