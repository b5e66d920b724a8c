"""The webhook dispatcher's database side (``oms.integrations.webhooks_ports.DeliveryStore``).

- ``sequence``: the outbox sequencer's pass (``oms.db.outbox.sequence_pending``), fanning the
  events it numbers out into deliveries in its own transaction: each event once.
- ``due``: a read (SQLite: no write lock) of the deliveries that may be sent now.
- ``lease``: a short transaction that locks those still sendable with ``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL (a row another dispatcher is leasing is skipped, not waited for; one it
  has leased no longer qualifies once it commits), and SQLite's write lock elsewhere
  (``BEGIN IMMEDIATE``: one lease at a time), then sets the lease. So with several dispatchers
  (workers, servers, ``oms worker``s) each delivery is sent by one of them at a time.
- ``record``: the attempt's result in a transaction of its own.

Checks that find nothing to do use the reader sessions, so an idle dispatcher takes no lock.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from oms.db import tables
from oms.db.outbox import any_pending, sequence_pending
from oms.db.repositories.webhooks import SqlWebhookDeliveries, SqlWebhookEndpoints
from oms.db.uow import SqlUnitOfWork, is_transient, run_transaction
from oms.domain.bus import NO_HANDLERS
from oms.integrations.catalogue import OutboxMessage
from oms.integrations.dispatcher import Chore, Dispatcher
from oms.integrations.webhooks import fan_out, record_attempt
from oms.integrations.webhooks_http import HttpSender
from oms.integrations.webhooks_model import Claim, DeliveryStatus, EndpointStatus, SendResult
from oms.integrations.webhooks_schedule import Jitter, random_jitter
from oms.integrations.webhooks_urls import RESOLVE_TIMEOUT_S

log = logging.getLogger("oms.webhooks")

_D = tables.webhook_deliveries
SEQUENCE_BATCH = 5_000  # outbox rows numbered per sequencer pass
SEQUENCE_S = 0.2  # a tick's sequencing stops after this long (the next tick goes on)
_E = tables.webhook_endpoints.c
_EARLIER = tables.webhook_deliveries.alias("earlier")
SessionFactory = Callable[[], Session]


def sendable(now: datetime) -> Any:
    """A delivery that may be sent at ``now``: pending, due, not leased, its endpoint active,
    and no earlier event of its ordering key still pending for the endpoint."""
    d, earlier = _D.c, _EARLIER.c
    blocked = exists().where(
        earlier.endpoint_id == d.endpoint_id,
        earlier.ordering_key == d.ordering_key,
        earlier.status == DeliveryStatus.PENDING,
        earlier.position < d.position,
    )
    return and_(
        d.status == DeliveryStatus.PENDING,
        d.next_attempt_at <= now,
        or_(d.lease_until.is_(None), d.lease_until <= now),
        _E.status == EndpointStatus.ACTIVE,
        ~blocked,
    )


class _FanOutTarget:
    """The repositories of the sequencer's session, for ``fan_out``."""

    def __init__(self, session: Session) -> None:
        self.webhook_endpoints = SqlWebhookEndpoints(session)
        self.webhook_deliveries = SqlWebhookDeliveries(session)


class SqlDeliveryStore:
    def __init__(
        self, sessions: SessionFactory, readers: SessionFactory, jitter: Jitter = random_jitter
    ) -> None:
        self.sessions, self.readers, self.jitter = sessions, readers, jitter

    def sequence(self, now: datetime) -> int:
        with self.readers() as session:  # no write lock while there is nothing to number
            if not any_pending(session):
                return 0

        def deliver(session: Session, messages: Sequence[OutboxMessage]) -> None:
            fan_out(_FanOutTarget(session), messages, now)

        # A backlog (a stock sync's million events) drains pass after pass, for a fraction of
        # a second at most: the tick still gets to send what is due, and in `oms serve` the
        # requests this process answers still get the interpreter most of the time.
        done, until = 0, time.monotonic() + SEQUENCE_S
        while (passed := sequence_pending(self.sessions, deliver, limit=SEQUENCE_BATCH)) > 0:
            done += passed
            if passed < SEQUENCE_BATCH or time.monotonic() > until:
                break
        return done

    def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        d = _D.c
        stmt = (
            select(d.id, d.endpoint_id)
            .join(tables.webhook_endpoints, _E.id == d.endpoint_id)
            .where(sendable(now))
            .order_by(d.next_attempt_at, d.position, d.id)
            .limit(limit)
        )
        with self.readers() as session:
            return [(row[0], row[1]) for row in session.execute(stmt)]

    def lease(self, delivery_ids: Sequence[str], now: datetime, until: datetime) -> list[Claim]:
        token = uuid.uuid4().hex
        d = _D.c

        def take(session: Session) -> list[Claim]:
            stmt = (
                select(d.id, d.endpoint_id, _E.url, _E.secret, d.event_id, d.payload)
                .join(tables.webhook_endpoints, _E.id == d.endpoint_id)
                .where(d.id.in_(list(delivery_ids)), sendable(now))
                .order_by(d.next_attempt_at, d.position, d.id)
                .with_for_update(skip_locked=True, of=_D)
            )
            claims = [Claim(*row, token=token) for row in session.execute(stmt)]
            if claims:
                ids = [c.delivery_id for c in claims]
                session.execute(
                    update(_D).where(d.id.in_(ids)).values(lease_until=until, lease_token=token)
                )
            return claims

        return run_transaction(self.sessions, take)

    def record(self, claim: Claim, result: SendResult, now: datetime) -> None:
        for attempt in range(1, 6):
            try:
                with SqlUnitOfWork(self.sessions, NO_HANDLERS) as uow:
                    record_attempt(uow, claim, result, now, self.jitter)
                return
            except DBAPIError as exc:
                if attempt == 5 or not is_transient(exc):
                    raise
            time.sleep(0.02 * attempt)


def sql_dispatcher(
    sessions: SessionFactory,
    readers: SessionFactory,
    *,
    timeout_s: float = 10.0,
    allow_private: bool = False,
    threads: int = 8,
    chores: Sequence[Chore] = (),
) -> Dispatcher:
    """The dispatcher a serving process (or ``oms worker``) runs; ``chores`` ride on its tick
    (the mailer)."""
    sender = HttpSender(timeout_s, allow_private=allow_private, connections=threads)
    # A lease outlives the longest send: a lookup, then connect + write, then the answer.
    lease = timedelta(seconds=2 * timeout_s + RESOLVE_TIMEOUT_S + 5)
    store = SqlDeliveryStore(sessions, readers)
    return Dispatcher(store, sender, threads=threads, lease=lease, chores=chores)
