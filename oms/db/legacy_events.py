"""TEMPORARY, while the services move to typed domain events (``uow.emit``): the old untyped
``record`` and ``history``. Deleted once nothing imports it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from oms.db.events import OWNER, EventLog, _row
from oms.domain.events import Aggregate, EventRecord


def record(
    session: Session, type: str, aggregate: Aggregate | str, aggregate_id: str, payload: Any
) -> None:
    owner = session.info.get(OWNER)
    row = _row(type, aggregate, aggregate_id, payload, None)
    if owner is not None:
        owner.events._queued.append(row)
    else:
        from oms.db.events import _INSERT_EVENT

        session.connection().execute(_INSERT_EVENT, [row])


def history(session: Session, aggregate: Aggregate | str, aggregate_id: str) -> list[EventRecord]:
    owner = session.info.get(OWNER)
    log: EventLog = owner.events if owner is not None else EventLog(session)
    return log.history(aggregate, aggregate_id)


def uow_of(session: Session) -> Any:
    """The unit of work that owns ``session`` (the API's paths all have one), else one begun
    on it without handlers (a bare session of a test or the CLI)."""
    owner = session.info.get(OWNER)
    if owner is None:
        from oms.db.uow import SqlUnitOfWork
        from oms.domain.bus import NO_HANDLERS

        owner = SqlUnitOfWork(lambda: session, NO_HANDLERS).begin(session)
    return owner
