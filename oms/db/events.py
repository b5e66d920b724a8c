"""The events table as the unit of work writes and reads it: rows queued in the order events
were raised, inserted together (ids follow that order), and read back per aggregate.

Each event that leaves the system (oms.integrations.catalogue) also gets its outbox row, queued
with its history row and written in the same statement batch, so the two commit or roll back
together: nothing is sent before commit, and nothing committed is lost."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from oms.db import tables
from oms.domain.events import Aggregate, DomainEvent, EventRecord, utcnow
from oms.integrations.catalogue import message_of

OWNER = "oms.unit_of_work"  # session.info key: the unit of work that owns the session


class _Emitter(Protocol):
    def emit(self, event: DomainEvent) -> None: ...


def unit_of_work_of(session: Session) -> _Emitter | None:
    """The unit of work a session belongs to (None: a bare session, as some tests use)."""
    owner: _Emitter | None = session.info.get(OWNER)
    return owner


class EventLog:
    """One transaction's events: queued, written together, read back per aggregate."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._queued: list[dict[str, Any]] = []
        self._outbox: list[dict[str, Any]] = []

    def queue(self, event: DomainEvent, occurred_at: datetime | None = None) -> None:
        at = occurred_at or utcnow()
        self._queued.extend(_rows(event, at))
        outbound = _outbox_row(event, at)
        if outbound is not None:
            self._outbox.append(outbound)

    def write(self) -> None:
        # A stock sync's million rows take their own bulk path (oms.db.bulk_events).
        if self._queued:
            rows, self._queued = self._queued, []
            self.session.connection().execute(_INSERT_EVENT, rows)
        if self._outbox:
            rows, self._outbox = self._outbox, []
            self.session.connection().execute(_INSERT_OUTBOX, rows)

    def discard(self) -> None:
        self._queued = []
        self._outbox = []

    def history(self, aggregate: Aggregate | str, aggregate_id: str) -> list[EventRecord]:
        """One aggregate's events, oldest first (those raised in this transaction included)."""
        self.write()
        c = tables.events.c
        stmt = (
            select(EventRecord)
            .where(c.aggregate == Aggregate(aggregate), c.aggregate_id == aggregate_id)
            .order_by(c.id)
        )
        return list(self.session.scalars(stmt))

    @staticmethod
    def record_now(session: Session, events: Sequence[DomainEvent]) -> None:
        """Through the session's unit of work when it has one; else written at once (a bare
        session: the ledger's own tests)."""
        owner = unit_of_work_of(session)
        if owner is not None:
            for event in events:
                owner.emit(event)
        elif events:
            log = EventLog(session)
            for event in events:
                log.queue(event)
            log.write()


# Run on the session's connection: the rows are plain inserts, the ORM's path adds only cost.
_INSERT_EVENT = insert(tables.events)
_INSERT_OUTBOX = insert(tables.outbox)


def _outbox_row(event: DomainEvent, at: datetime) -> dict[str, Any] | None:
    message = message_of(event, at)
    if message is None:
        return None
    return {
        "event_id": message.event_id,
        "type": message.type,
        "ordering_key": message.ordering_key,
        "data": message.data,
        "occurred_at": at,
    }


def _rows(event: DomainEvent, occurred_at: datetime) -> list[dict[str, Any]]:
    """The event's row on its own history, then on each other history that keeps it."""
    payload = event.payload()
    histories = ((event.aggregate, event.aggregate_id), *event.also_recorded_on())
    return [_row(event.name, a, key, payload, occurred_at) for a, key in histories]


def _row(
    type: str,
    aggregate: Aggregate | str,
    aggregate_id: str,
    payload: dict[str, Any],
    occurred_at: datetime,
) -> dict[str, Any]:
    return {
        "type": type,
        "aggregate": Aggregate(aggregate),
        "aggregate_id": aggregate_id,
        "payload": payload,
        "occurred_at": occurred_at,
    }
