"""Unit of work and the event log.

``UnitOfWork`` is cosmicpython's: a session whose work is kept only on an explicit ``commit()``;
leaving the block without one rolls everything back, events included, because events are rows
written through the same session (``EventLog.record``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from oms.db import tables
from oms.db.types import utcnow
from oms.domain.events import Aggregate, EventRecord

T = TypeVar("T")
# An event not yet written: (type, aggregate, aggregate id, payload).
PendingEvent = tuple[str, Aggregate | str, str, dict[str, Any]]

# PostgreSQL SQLSTATEs worth a retry: serialization failure, deadlock detected.
_PG_TRANSIENT = {"40001", "40P01"}
# What SQLite says when the write lock was still busy after busy_timeout.
_SQLITE_TRANSIENT = ("database is locked", "database is busy")


class UnitOfWork:
    """``with UnitOfWork(session_factory) as uow: ...; uow.commit()``."""

    session: Session

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded objects without
        # expiring them, so results read in the block stay usable after it.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()


class EventLog:
    """Append-only history rows, inserted at once (not at the next flush), so that their ids
    follow the order in which they were recorded."""

    @staticmethod
    def record(
        session: Session,
        type: str,
        aggregate: Aggregate | str,
        aggregate_id: str,
        payload: dict[str, Any],
        *,
        occurred_at: datetime | None = None,
    ) -> int:
        """Write one event in the session's transaction; its id."""
        row = _event_row(type, aggregate, aggregate_id, payload, occurred_at)
        return int(session.connection().execute(_INSERT_EVENT_ID, row).scalar_one())

    @staticmethod
    def record_many(
        session: Session,
        events: Sequence[PendingEvent],
        *,
        occurred_at: datetime | None = None,
    ) -> None:
        """Write several (type, aggregate, aggregate_id, payload) events in one statement."""
        if events:
            when = occurred_at or utcnow()
            session.connection().execute(_INSERT_EVENT, [_event_row(*e, when) for e in events])

    @staticmethod
    def history(
        session: Session, aggregate: Aggregate | str, aggregate_id: str
    ) -> list[EventRecord]:
        """One aggregate's events, oldest first."""
        stmt = (
            select(EventRecord)
            .where(
                EventRecord.aggregate == Aggregate(aggregate),
                EventRecord.aggregate_id == aggregate_id,
            )
            .order_by(EventRecord.id)
        )
        return list(session.scalars(stmt))


_EVENTS = tables.events
# Run on the session's connection: the rows are plain inserts, the ORM's path adds only cost.
_INSERT_EVENT = insert(_EVENTS)
_INSERT_EVENT_ID = _INSERT_EVENT.returning(_EVENTS.c.id)


def _event_row(
    type: str,
    aggregate: Aggregate | str,
    aggregate_id: str,
    payload: dict[str, Any],
    occurred_at: datetime | None,
) -> dict[str, Any]:
    return {
        "type": type,
        "aggregate": Aggregate(aggregate),
        "aggregate_id": aggregate_id,
        "payload": payload,
        "occurred_at": occurred_at or utcnow(),  # replays pass their simulated clock
    }


def is_transient(exc: BaseException) -> bool:
    """A failure that a fresh attempt of the same transaction may not meet again."""
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _PG_TRANSIENT:
        return True
    message = str(exc.orig).lower()
    return any(text in message for text in _SQLITE_TRANSIENT)


def run_transaction(
    session_factory: Callable[[], Session],
    work: Callable[[Session], T],
    *,
    attempts: int = 5,
    backoff_s: float = 0.02,
) -> T:
    """Run ``work(session)`` in its own transaction and commit; retry transient failures.

    Any other exception (a domain error, say) rolls back and propagates at once. ``work`` must
    not have side effects outside the session, since it may run more than once."""
    for attempt in range(1, attempts + 1):
        try:
            with UnitOfWork(session_factory) as uow:
                result = work(uow.session)
                uow.commit()
                return result
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
        # Jitter so that the writers that collided do not collide again.
        time.sleep(backoff_s * 2 ** (attempt - 1) * random.random())
    raise AssertionError("unreachable")
