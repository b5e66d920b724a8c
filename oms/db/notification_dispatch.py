"""The mailer's database side (``oms.notifications.mailer.MailStore``), as the webhook
dispatcher's (``oms.db.webhook_dispatch``):

- ``due``: a read (SQLite: no write lock) of the pending notifications due now, not leased.
- ``lease``: a short transaction that locks those still sendable with ``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL (SQLite's write lock elsewhere) and sets the lease: with several
  mailers (servers, ``oms worker``s) each notification is sent by one of them at a time.
- ``record``: the attempt's result in a transaction of its own, only by the lease's holder.
- ``remind``: the pickup reminder pass in a unit of work with the message bus (its handler
  queues the reminder), committed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from oms.db import tables
from oms.db.uow import SqlUnitOfWork, is_transient, run_transaction
from oms.domain.bus import MessageBus
from oms.notifications.mailer import Mailer, Outcome, Outgoing
from oms.notifications.model import NotificationStatus
from oms.notifications.reminders import remind_pickups
from oms.notifications.render import Renderer
from oms.notifications.smtp import SmtpSender

_N = tables.notifications.c
SessionFactory = Callable[[], Session]


def sendable(now: datetime) -> Any:
    return and_(
        _N.status == NotificationStatus.PENDING,
        _N.next_attempt_at <= now,
        or_(_N.lease_until.is_(None), _N.lease_until <= now),
    )


class SqlMailStore:
    def __init__(self, sessions: SessionFactory, readers: SessionFactory, bus: MessageBus) -> None:
        self.sessions, self.readers, self.bus = sessions, readers, bus

    def due(self, now: datetime, limit: int) -> list[int]:
        stmt = select(_N.id).where(sendable(now)).order_by(_N.next_attempt_at, _N.id).limit(limit)
        with self.readers() as session:
            return [int(row[0]) for row in session.execute(stmt)]

    def lease(self, ids: Sequence[int], now: datetime, until: datetime) -> list[Outgoing]:
        token = uuid.uuid4().hex

        def take(session: Session) -> list[Outgoing]:
            stmt = (
                select(_N.id, _N.key, _N.kind, _N.locale, _N.recipient, _N.payload, _N.attempts)
                .where(_N.id.in_(list(ids)), sendable(now), _N.recipient.is_not(None))
                .order_by(_N.next_attempt_at, _N.id)
                .with_for_update(skip_locked=True)
            )
            taken = [Outgoing(*row, token=token) for row in session.execute(stmt)]
            if taken:
                session.execute(
                    update(tables.notifications)
                    .where(_N.id.in_([o.id for o in taken]))
                    .values(lease_until=until, lease_token=token)
                )
            return taken

        return run_transaction(self.sessions, take)

    def record(self, outgoing: Outgoing, result: Outcome) -> None:
        def write(session: Session) -> None:
            session.execute(
                update(tables.notifications)
                .where(_N.id == outgoing.id, _N.lease_token == outgoing.token)
                .values(
                    status=result.status,
                    attempts=result.attempts,
                    next_attempt_at=result.next_attempt_at,
                    last_error=result.last_error,
                    sent_at=result.sent_at,
                    lease_until=None,
                    lease_token=None,
                )
            )

        run_transaction(self.sessions, write)

    def remind(self, now: datetime, within: timedelta) -> int:
        for attempt in range(1, 6):
            try:
                with SqlUnitOfWork(self.sessions, self.bus) as uow:
                    reminded = remind_pickups(uow, now, within)
                    uow.commit()
                return reminded
            except DBAPIError as exc:  # two mailers on SQLite: the second tries again
                if attempt == 5 or not is_transient(exc):
                    raise
            time.sleep(0.02 * attempt)
        raise AssertionError("unreachable")


def sql_mailer(
    sessions: SessionFactory,
    readers: SessionFactory,
    bus: MessageBus,
    *,
    smtp_url: str | None,
    from_address: str,
    timeout_s: float = 10.0,
    templates: str | None = None,
    remind_within: timedelta = timedelta(hours=24),
) -> Mailer:
    """The mailer a serving process (or ``oms worker``) runs in its dispatcher's tick."""
    sender = SmtpSender(smtp_url, from_address, timeout_s) if smtp_url else None
    # A lease outlives a batch's sends, each within the timeout.
    lease = timedelta(seconds=timeout_s * 60 + 60)
    return Mailer(
        SqlMailStore(sessions, readers, bus),
        sender,
        Renderer(templates),
        from_address=from_address,
        remind_within=remind_within,
        lease=lease,
    )
