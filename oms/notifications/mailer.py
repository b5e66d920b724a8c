"""The mailer: sends the notifications the handlers queued, after commit and off the request
path, at least once. It runs in the dispatcher's tick (``oms serve`` and ``oms worker``).

Each tick it (1) runs the pickup reminder pass now and then, (2) claims due notifications with
a lease in a short transaction (a row another mailer holds is skipped), (3) renders and sends
them on a thread of its own, outside any transaction, then (4) records each result in a short
transaction. A failed send is tried again after 1 min, 5 min, 30 min, 2 h and 6 h, then marked
failed; a refusal for good (the recipient is refused) is failed at once. A mailer that dies
mid-send leaves the lease to run out and the message is sent again, with the same Message-ID
(``<key@domain>``), so a receiving system can drop the duplicate. Without an SMTP server
(OMS_SMTP_URL unset) nothing is claimed: notifications stay pending.

The database side is ``oms.db.notification_dispatch``; the SMTP side ``oms.notifications.smtp``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any, Protocol

from oms.domain.events import utcnow
from oms.notifications.model import NotificationStatus
from oms.notifications.render import Renderer

log = logging.getLogger("oms.notifications")

RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
BATCH = 50  # notifications claimed per tick
ERROR_CHARS = 500  # notifications.last_error


@dataclass(frozen=True)
class Outgoing:
    """A notification a mailer holds (its lease) and is about to send."""

    id: int
    key: str
    kind: str
    locale: str
    recipient: str
    data: dict[str, Any]
    attempts: int  # before this one
    token: str


@dataclass(frozen=True)
class Mail:
    message_id: str
    recipient: str
    locale: str
    subject: str
    text: str
    html: str


class SendError(Exception):
    """A send that did not go through; ``permanent``: trying again would not help."""

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail, self.permanent = detail, permanent


@dataclass(frozen=True)
class Outcome:
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    sent_at: datetime | None


def outcome(attempts_before: int, error: SendError | None, now: datetime) -> Outcome:
    """Where a notification stands after one more attempt."""
    attempts = attempts_before + 1
    if error is None:
        return Outcome(NotificationStatus.SENT, attempts, None, None, now)
    detail = error.detail[:ERROR_CHARS]
    if error.permanent or attempts >= MAX_ATTEMPTS:
        return Outcome(NotificationStatus.FAILED, attempts, None, detail, None)
    retry_at = now + RETRY_DELAYS[attempts - 1]
    return Outcome(NotificationStatus.PENDING, attempts, retry_at, detail, None)


class MailStore(Protocol):
    """The mailer's view of the database."""

    def due(self, now: datetime, limit: int) -> list[int]:
        """Pending notifications that may be sent now, by when they fell due."""
        ...

    def lease(self, ids: Sequence[int], now: datetime, until: datetime) -> list[Outgoing]:
        """Lease those still sendable (another mailer may have taken some)."""
        ...

    def record(self, outgoing: Outgoing, result: Outcome) -> None: ...

    def remind(self, now: datetime, within: timedelta) -> int:
        """The pickup reminder pass (``oms.notifications.reminders``), committed."""
        ...


class MailSender(Protocol):
    def send(self, mails: Sequence[Mail]) -> list[SendError | None]:
        """Send each mail (over one connection); what became of each, in order."""
        ...


def message_id(key: str, sender: str) -> str:
    """The same for every attempt of a notification: ``<ntf_...@the sender's domain>``."""
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    domain = domain if at and domain else "oms.invalid"
    return f"<{key}@{domain}>"


def compose(outgoing: Outgoing, renderer: Renderer, sender: str) -> Mail:
    rendered = renderer.render(outgoing.kind, outgoing.locale, outgoing.data)
    return Mail(
        message_id=message_id(outgoing.key, sender),
        recipient=outgoing.recipient,
        locale=outgoing.locale,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )


Clock = Callable[[], datetime]


class Mailer:
    """``tick()`` from the dispatcher's loop; ``sender`` None: no SMTP server, nothing sent
    (the reminder pass still runs: its notifications are published all the same)."""

    def __init__(
        self,
        store: MailStore,
        sender: MailSender | None,
        renderer: Renderer,
        *,
        from_address: str,
        remind_within: timedelta,
        remind_every: timedelta = timedelta(seconds=30),
        lease: timedelta = timedelta(minutes=5),
        clock: Clock = utcnow,
    ) -> None:
        self.store, self.sender, self.renderer = store, sender, renderer
        self.from_address, self.clock, self.lease = from_address, clock, lease
        self.remind_within, self.remind_every = remind_within, remind_every
        self._reminded: datetime | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oms-mailer")
        self._lock = threading.Lock()
        self._batch: Future[None] | None = None

    def tick(self, now: datetime | None = None, *, wait: bool = False) -> int:
        """Remind when due, then claim and start sending what is due at ``now``; how many
        were claimed. ``wait``: return once their results are recorded (at ``now`` too: a
        test's virtual time)."""
        at = now or self.clock()
        self._maybe_remind(at)
        if self.sender is None or self._busy():
            return 0
        ids = self.store.due(at, BATCH)
        claimed = self.store.lease(ids, at, at + self.lease) if ids else []
        if claimed:
            batch = self._pool.submit(self._send, self.sender, claimed, now)
            with self._lock:
                self._batch = batch
            if wait:
                batch.result()
        return len(claimed)

    def _maybe_remind(self, at: datetime) -> None:
        if self._reminded is not None and at - self._reminded < self.remind_every:
            return
        self._reminded = at
        try:
            self.store.remind(at, self.remind_within)
        except Exception:  # the next pass tries again
            log.exception("pickup reminder pass failed")

    def _busy(self) -> bool:
        with self._lock:
            return self._batch is not None and not self._batch.done()

    def _send(self, sender: MailSender, claimed: list[Outgoing], now: datetime | None) -> None:
        errors: dict[int, SendError] = {}
        mails: list[tuple[Outgoing, Mail]] = []
        for outgoing in claimed:
            try:
                mails.append((outgoing, compose(outgoing, self.renderer, self.from_address)))
            except Exception as exc:  # a broken template: tried again, shown in last_error
                errors[outgoing.id] = SendError(f"rendering failed: {exc!r}")
        results = sender.send([mail for _, mail in mails]) if mails else []
        for (outgoing, _), error in zip(mails, results, strict=True):
            if error is not None:
                errors[outgoing.id] = error
        for outgoing in claimed:
            self._record(outgoing, errors.get(outgoing.id), now)

    def _record(self, outgoing: Outgoing, error: SendError | None, now: datetime | None) -> None:
        result = outcome(outgoing.attempts, error, now or self.clock())
        if error is not None:
            log.warning("notification %s not sent: %s", outgoing.key, error.detail)
        try:
            self.store.record(outgoing, result)
        except Exception:  # the lease runs out and the notification is sent again
            log.exception("notification %s: recording its attempt failed", outgoing.key)

    def close(self, drain_s: float = 30.0) -> None:
        """Let the batch in flight finish (within ``drain_s``), then stop."""
        with self._lock:
            batch = self._batch
        if batch is not None:
            try:
                batch.result(timeout=drain_s)
            except Exception:
                log.exception("the last mail batch did not finish")
        self._pool.shutdown(wait=False, cancel_futures=True)
