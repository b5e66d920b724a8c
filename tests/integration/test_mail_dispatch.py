"""The mailer on real SQLite and PostgreSQL, sending to a real SMTP server on loopback
(aiosmtpd): what is sent and how, retries after a failure, a failure for good, the lease that
keeps two mailers from sending the same message, no SMTP server at all, and the reminder pass.
Time is virtual where the schedule matters (``tick(now=...)``)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oms.db import tables
from oms.db.engine import make_session_factory, read_only
from oms.db.notification_dispatch import SqlMailStore, sql_mailer
from oms.db.uow import SqlUnitOfWork
from oms.domain.events import Sourced, utcnow
from oms.handlers import message_bus
from oms.inventory.model import Node
from oms.notifications.mailer import RETRY_DELAYS, Mailer
from oms.notifications.model import Notification, NotificationStatus
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, Order
from tests.smtp_server import SmtpServer, bodies

SENDER = "Boutique <no-reply@shop.example>"
BUS = message_bus()
STORE = "ST-PARIS-1"


def readers(sf: sessionmaker[Session]) -> sessionmaker[Session]:
    return make_session_factory(read_only(sf.kw["bind"]))


def mailer(sf: sessionmaker[Session], smtp_url: str | None) -> Mailer:
    return sql_mailer(sf, readers(sf), BUS, smtp_url=smtp_url, from_address=SENDER, timeout_s=5)


def place(sf: sessionmaker[Session], order_id: str, email: str | None, locale: str = "en") -> None:
    """An order whose placing queues its confirmation (Sourced), committed."""
    with SqlUnitOfWork(sf, BUS) as uow:
        uow.orders.add_now(
            Order(
                id=order_id,
                status=OrderStatus.ALLOCATED,
                channel="web",
                method=DeliveryMethod.SHIP,
                currency="EUR",
                email=email,
                locale=locale,
                customer_name="Zoé",
            )
        )
        uow.emit(Sourced(order_id=order_id, allocations=[]))
        uow.commit()


def stored(sf: sessionmaker[Session], order_id: str | None = None) -> list[Notification]:
    with SqlUnitOfWork(sf, BUS) as uow:
        found = uow.notifications.list_by(order_by="id")
    return [n for n in found if order_id is None or n.order_id == order_id]


def test_each_pending_notification_is_sent_once_as_multipart_mail_in_its_language(
    session_factory, smtp_server: SmtpServer
):
    place(session_factory, "O-EN", "en@example.com", "en")
    place(session_factory, "O-FR", "fr@example.com", "fr")
    mail = mailer(session_factory, smtp_server.url)
    assert mail.tick(utcnow(), wait=True) == 2
    assert mail.tick(utcnow(), wait=True) == 0
    [en] = smtp_server.to("en@example.com")
    [fr] = smtp_server.to("fr@example.com")
    notes = {n.order_id: n for n in stored(session_factory)}
    assert en["Subject"] == "Your order O-EN is confirmed"
    assert fr["Subject"] == "Votre commande O-FR est confirmée"
    assert (en["Content-Language"], fr["Content-Language"]) == ("en", "fr")
    assert fr["Message-ID"] == f"<{notes['O-FR'].key}@shop.example>"
    assert fr["From"] == SENDER and fr.get_content_type() == "multipart/alternative"
    text, html = bodies(fr)
    assert text.startswith("Bonjour Zoé,") and '<html lang="fr">' in html
    for note in notes.values():
        assert (note.status, note.attempts, note.last_error) == ("sent", 1, None)
        assert note.sent_at is not None and note.lease_until is None


def test_a_send_the_smtp_server_cannot_take_is_tried_again_after_its_delay(
    session_factory, smtp_server: SmtpServer
):
    place(session_factory, "O-1", "a@example.com")
    smtp_server.down()
    mail, t0 = mailer(session_factory, smtp_server.url), utcnow()
    assert mail.tick(t0, wait=True) == 1
    [note] = stored(session_factory)
    assert (note.status, note.attempts) == (NotificationStatus.PENDING, 1)
    assert note.next_attempt_at == t0 + RETRY_DELAYS[0] and "SMTP 127.0.0.1" in str(note.last_error)
    smtp_server.up()
    assert mail.tick(t0 + RETRY_DELAYS[0] - timedelta(seconds=1), wait=True) == 0  # not yet
    assert mail.tick(t0 + RETRY_DELAYS[0], wait=True) == 1
    [sent] = smtp_server.wait_for(1)
    [note] = stored(session_factory)
    assert (note.status, note.attempts, sent["Message-ID"]) == (
        "sent",
        2,
        f"<{note.key}@shop.example>",
    )


def test_a_recipient_refused_for_good_is_failed_at_once(session_factory, smtp_server: SmtpServer):
    smtp_server.refused.add("gone@example.com")
    place(session_factory, "O-1", "gone@example.com")
    place(session_factory, "O-2", "here@example.com")
    mailer(session_factory, smtp_server.url).tick(utcnow(), wait=True)
    gone, here = stored(session_factory)
    assert (gone.status, gone.attempts, gone.next_attempt_at) == ("failed", 1, None)
    assert "550" in str(gone.last_error) and "gone@" not in str(gone.last_error)
    assert here.status == "sent" and [m["To"] for m in smtp_server.received()] == [here.recipient]


def test_a_leased_notification_is_sent_by_one_mailer_until_its_lease_runs_out(session_factory):
    for n in range(20):
        place(session_factory, f"O-{n}", f"c{n}@example.com")
    stores = [SqlMailStore(session_factory, readers(session_factory), BUS) for _ in range(4)]
    now = utcnow()
    ids = stores[0].due(now, 100)
    assert len(ids) == 20
    taken: list[list[int]] = [[] for _ in stores]

    def lease(i: int) -> None:
        taken[i] = [o.id for o in stores[i].lease(ids, now, now + timedelta(minutes=5))]

    threads = [threading.Thread(target=lease, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for got in taken for i in got]
    assert sorted(every) == sorted(ids)  # each leased once, by one of them
    assert stores[1].due(now + timedelta(minutes=4), 100) == []
    # The holder died: once the lease runs out, another mailer sends it, same key.
    again = stores[2].lease(ids[:1], now + timedelta(minutes=5), now + timedelta(minutes=10))
    assert [o.id for o in again] == ids[:1]


def test_without_an_smtp_server_notifications_stay_pending_and_are_published(session_factory):
    place(session_factory, "O-1", "a@example.com")
    place(session_factory, "O-2", None)  # no e-mail: skipped, published all the same
    assert mailer(session_factory, None).tick(utcnow(), wait=True) == 0
    pending, skipped = stored(session_factory)
    assert (pending.status, pending.attempts) == ("pending", 0)
    assert (skipped.status, skipped.last_error) == ("skipped", "no_recipient")
    with session_factory() as session:
        o = tables.outbox.c
        rows = session.execute(
            select(o.data).where(o.type == "customer.notification_queued").order_by(o.id)
        ).all()
    published = [(row.data["notification"], row.data["status"]) for row in rows]
    assert published == [(pending.key, "pending"), (skipped.key, "skipped")]


def ready_pickup(sf: sessionmaker[Session], order_id: str, expires_at: datetime) -> None:
    with SqlUnitOfWork(sf, BUS) as uow:
        if uow.nodes.find(STORE) is None:
            store = Node(
                id=STORE,
                kind="store",
                lat=48.86,
                lon=2.35,
                can_ship=False,
                can_pickup=True,
                handling_cost=0.0,
                shipment_cost=0.0,
                cost_per_km=0.0,
                timezone="Europe/Paris",
            )
            uow.nodes.add_now(store)
        uow.orders.add_now(
            Order(
                id=order_id,
                status=OrderStatus.READY_FOR_PICKUP,
                channel="web",
                method=DeliveryMethod.PICKUP,
                currency="EUR",
                pickup_node=STORE,
                ready_at=expires_at - timedelta(days=7),
                expires_at=expires_at,
                pickup_code="314159",
                email="a@example.com",
                locale="fr",
            )
        )
        uow.commit()


def test_a_ready_pickup_is_reminded_once_whichever_mailer_runs_the_pass(
    session_factory, smtp_server: SmtpServer
):
    now = utcnow()
    ready_pickup(session_factory, "O-SOON", now + timedelta(hours=5))
    ready_pickup(session_factory, "O-LATER", now + timedelta(days=3))
    first, second = mailer(session_factory, smtp_server.url), mailer(session_factory, None)
    second.tick(now)  # the pass runs here: the reminder is queued
    first.tick(utcnow(), wait=True)  # and sent from here
    [reminder] = stored(session_factory)
    assert (reminder.order_id, reminder.kind) == ("O-SOON", "pickup_reminder")
    [mail] = smtp_server.wait_for(1)
    assert mail["Subject"] == "Rappel : votre commande O-SOON vous attend"
    assert "Votre code de retrait : 314159" in bodies(mail)[0]
    with session_factory() as session:
        o = tables.orders.c
        reminded = dict(session.execute(select(o.id, o.reminded_at)).all())
    assert reminded["O-SOON"] is not None and reminded["O-LATER"] is None
