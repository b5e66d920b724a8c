"""The outbox after commit: sequencing committed rows into commit order, and reading them back.

Rows are written by many transactions at once (``oms/db/events.py``); their ids follow the order
they were written, not the order they committed, so a reader that followed ids could pass a row
whose transaction had not committed yet and never see it. The sequencer gives committed rows a
``position`` instead: one pass at a time (it locks the ``outbox`` counter row), each pass numbering
the rows it can see after every position handed out before it. A position is therefore only ever
given to a committed row, and once a reader has seen position P, every later row gets a position
above P: following positions sees every event exactly once, in commit order. Within one
transaction, rows keep the order their events were raised.

In the same transaction as the numbering, ``fan_out`` hands the newly sequenced events to what
delivers them (the webhook subscriptions), so an event is fanned out exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from oms.db import tables
from oms.integrations.catalogue import OutboxMessage

COUNTER = "outbox"
FanOut = Callable[[Session, Sequence[OutboxMessage]], None]

_OUTBOX = tables.outbox.c
_COUNTERS = tables.counters.c


def sequence_pending(
    session_factory: Callable[[], Session],
    fan_out: FanOut | None = None,
    *,
    limit: int = 5_000,
) -> int:
    """One pass: number up to ``limit`` committed, unsequenced rows and fan them out. Returns
    how many were sequenced (0 when another pass holds the counter: it will see them)."""
    with session_factory() as session:
        if not any_pending(session):
            return 0
        last = _take_counter(session)
        if last is None:
            return 0
        messages = _number(session, last, limit)
        if not messages:
            return 0
        if fan_out is not None:
            fan_out(session, messages)
        session.commit()
        return len(messages)


def any_pending(session: Session) -> bool:
    """Whether a committed row waits for its position: a cheap look before taking the counter
    (an idle dispatcher locks nothing; on SQLite it may look through a read-only session)."""
    stmt = select(_OUTBOX.id).where(_OUTBOX.position.is_(None)).limit(1)
    return session.execute(stmt).first() is not None


def _take_counter(session: Session) -> int | None:
    # SKIP LOCKED: a pass already running will number these rows; do not queue behind it.
    # (SQLite has no row locks: its transactions already take the database's write lock.)
    stmt = (
        select(_COUNTERS.value).where(_COUNTERS.name == COUNTER).with_for_update(skip_locked=True)
    )
    value: int | None = session.execute(stmt).scalar_one_or_none()
    return value


def _number(session: Session, last: int, limit: int) -> list[OutboxMessage]:
    """Number the first ``limit`` unsequenced rows by id, after ``last``, in one statement;
    the counter follows."""
    first = (
        select(_OUTBOX.id)
        .where(_OUTBOX.position.is_(None))
        .order_by(_OUTBOX.id)
        .limit(limit)
        .subquery()
    )
    ranked = select(
        first.c.id, (last + func.row_number().over(order_by=first.c.id)).label("position")
    ).subquery()
    stmt = (
        update(tables.outbox)
        .where(_OUTBOX.id == ranked.c.id)
        .values(position=ranked.c.position)
        .returning(*_MESSAGE)
    )
    rows = session.execute(stmt).all()
    messages = sorted((OutboxMessage(*row) for row in rows), key=_position)
    if messages:
        top = _position(messages[-1])
        session.execute(update(tables.counters).where(_COUNTERS.name == COUNTER).values(value=top))
    return messages


def _position(message: OutboxMessage) -> int:
    assert message.position is not None
    return message.position


_MESSAGE = (
    _OUTBOX.event_id,
    _OUTBOX.type,
    _OUTBOX.ordering_key,
    _OUTBOX.data,
    _OUTBOX.occurred_at,
    _OUTBOX.position,
)


# ---------------------------------------------------------------- reading


class SqlFeed:
    """The event feed's reads (``oms.integrations.feed.FeedSource``) in a session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def high_water(self) -> int:
        return high_water(self.session)

    def read_after(
        self, after: int, upto: int, families: Sequence[str], exact: Sequence[str], limit: int
    ) -> list[OutboxMessage]:
        return read_after(self.session, after, upto, families, exact, limit)


def high_water(session: Session) -> int:
    """The last position handed out (every row up to it is committed and numbered)."""
    stmt = select(_COUNTERS.value).where(_COUNTERS.name == COUNTER)
    return int(session.execute(stmt).scalar_one_or_none() or 0)


def read_after(
    session: Session,
    after: int,
    upto: int,
    families: Sequence[str],
    exact: Sequence[str],
    limit: int,
) -> list[OutboxMessage]:
    """Sequenced events with ``after < position <= upto`` of the given types (no families and
    no exact types: all), by position."""
    stmt = (
        select(*_MESSAGE)
        .where(_OUTBOX.position > after, _OUTBOX.position <= upto)
        .order_by(_OUTBOX.position)
        .limit(limit)
    )
    wanted: list[Any] = [_OUTBOX.type.startswith(f"{family}.") for family in families]
    if exact:
        wanted.append(_OUTBOX.type.in_(list(exact)))
    if wanted:
        stmt = stmt.where(or_(*wanted))
    return [OutboxMessage(*row) for row in session.execute(stmt)]
