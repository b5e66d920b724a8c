"""The mailer's rules without a database or a network: the retry schedule, the stable
Message-ID, what a tick claims, sends and records, with a store and a sender in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oms.notifications.mailer import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    Mail,
    Mailer,
    Outcome,
    Outgoing,
    SendError,
    message_id,
    outcome,
)
from oms.notifications.model import NotificationStatus
from oms.notifications.render import Renderer
from oms.notifications.smtp import parse_smtp_url

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DATA = {"order_id": "O-1", "customer_name": None, "method": "ship", "currency": "EUR"}


def test_a_failed_send_is_tried_again_on_the_schedule_then_given_up():
    assert [d.total_seconds() for d in RETRY_DELAYS] == [60, 300, 1800, 7200, 21600]
    attempts, now = 0, T0
    for delay in RETRY_DELAYS:
        result = outcome(attempts, SendError("421 busy"), now)
        assert result.status is NotificationStatus.PENDING
        assert result.next_attempt_at == now + delay and result.last_error == "421 busy"
        attempts, now = result.attempts, now + delay
    last = outcome(attempts, SendError("421 busy"), now)
    assert (last.status, last.attempts, last.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)


def test_a_refusal_for_good_fails_at_once_and_a_success_is_sent():
    refused = outcome(0, SendError("550 no such mailbox", permanent=True), T0)
    assert (refused.status, refused.attempts) == (NotificationStatus.FAILED, 1)
    sent = outcome(2, None, T0)
    assert (sent.status, sent.attempts, sent.sent_at, sent.last_error) == ("sent", 3, T0, None)


def test_the_message_id_is_the_notifications_key_at_the_senders_domain():
    assert message_id("ntf_ab", "Shop <no-reply@shop.example>") == "<ntf_ab@shop.example>"
    assert message_id("ntf_ab", "no address") == "<ntf_ab@oms.invalid>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", ("smtp", "mail.example", 25, None, None)),
        (
            "smtp+starttls://u%40x:p%3Aw@mail.example",
            ("smtp+starttls", "mail.example", 587, "u@x", "p:w"),
        ),
        ("smtps://mail.example:2465", ("smtps", "mail.example", 2465, None, None)),
    ],
)
def test_the_smtp_url_says_how_to_connect(url, expected):
    s = parse_smtp_url(url)
    assert (s.scheme, s.host, s.port, s.username, s.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example"])
def test_a_malformed_smtp_url_is_refused_by_name(url):
    with pytest.raises(ValueError, match="OMS_SMTP_URL"):
        parse_smtp_url(url)


class MemoryStore:
    def __init__(self, outgoing: list[Outgoing]) -> None:
        self.outgoing = {o.id: o for o in outgoing}
        self.leased: set[int] = set()
        self.results: dict[int, Outcome] = {}
        self.reminders: list[datetime] = []

    def due(self, now: datetime, limit: int) -> list[int]:
        return [i for i in self.outgoing if i not in self.leased and i not in self.results][:limit]

    def lease(self, ids: Any, now: datetime, until: datetime) -> list[Outgoing]:
        self.leased |= set(ids)
        return [self.outgoing[i] for i in ids]

    def record(self, outgoing: Outgoing, result: Outcome) -> None:
        self.results[outgoing.id] = result

    def remind(self, now: datetime, within: timedelta) -> int:
        self.reminders.append(now)
        return 0


class MemorySender:
    def __init__(self, refuse: set[str] | None = None) -> None:
        self.sent: list[Mail] = []
        self.refuse = refuse or set()

    def send(self, mails: Any) -> list[SendError | None]:
        results: list[SendError | None] = []
        for mail in mails:
            if mail.recipient in self.refuse:
                results.append(SendError("550", permanent=True))
            else:
                self.sent.append(mail)
                results.append(None)
        return results


def outgoing(n: int, recipient: str, kind: str = "delivered", **data: Any) -> Outgoing:
    return Outgoing(n, f"ntf_{n}", kind, "fr", recipient, {**DATA, **data}, 0, "token")


def mailer(store: MemoryStore, sender: MemorySender | None) -> Mailer:
    return Mailer(
        store,
        sender,
        Renderer(),
        from_address="Shop <no-reply@shop.example>",
        remind_within=timedelta(hours=24),
    )


def test_a_tick_sends_what_is_due_and_records_each_result():
    store = MemoryStore([outgoing(1, "a@example.com"), outgoing(2, "refused@example.com")])
    sender = MemorySender(refuse={"refused@example.com"})
    assert mailer(store, sender).tick(T0, wait=True) == 2
    [mail] = sender.sent
    assert (mail.recipient, mail.message_id, mail.locale) == (
        "a@example.com",
        "<ntf_1@shop.example>",
        "fr",
    )
    assert mail.subject == "Votre commande O-1 a été livrée"
    assert store.results[1].status is NotificationStatus.SENT
    assert store.results[2].status is NotificationStatus.FAILED


def test_a_message_whose_template_breaks_is_recorded_failed_for_now_and_retried():
    store = MemoryStore([outgoing(1, "a@example.com", kind="shipped")])  # no tracking in data
    sender = MemorySender()
    mailer(store, sender).tick(T0, wait=True)
    result = store.results[1]
    assert sender.sent == [] and result.status is NotificationStatus.PENDING
    assert result.last_error is not None and "rendering failed" in result.last_error
    assert result.next_attempt_at == T0 + RETRY_DELAYS[0]


def test_without_an_smtp_server_nothing_is_claimed_but_pickups_are_still_reminded():
    store = MemoryStore([outgoing(1, "a@example.com")])
    quiet = mailer(store, None)
    assert quiet.tick(T0) == 0 and store.leased == set() and store.results == {}
    quiet.tick(T0 + timedelta(seconds=1))  # within the half minute: no second pass
    quiet.tick(T0 + timedelta(seconds=31))
    assert store.reminders == [T0, T0 + timedelta(seconds=31)]


def test_a_malformed_smtp_url_stops_the_service_at_start_without_showing_its_password(
    monkeypatch,
):
    from pydantic import ValidationError

    from oms.config import Settings

    monkeypatch.setenv("OMS_SMTP_URL", "http://user:s3cret@mail.example")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "OMS_SMTP_URL" in str(refused.value) and "s3cret" not in str(refused.value)
    monkeypatch.setenv("OMS_SMTP_URL", "")
    assert Settings().smtp_url is None


def test_an_smtp_reply_quoting_the_recipient_is_kept_without_the_address():
    import smtplib

    from oms.notifications.smtp import _reply

    said = smtplib.SMTPDataError(554, b"5.7.1 <zoe@example.fr>: message refused")
    assert _reply(said) == "554 5.7.1 <address>: message refused"
