"""Pinned days for tests that make a day through the app: what each step writes is moved to a
chosen local time of a fixed date, so the test never depends on today's date or the time of
day.

The app stamps rows and events with the real clock. After each step, every timestamp column of
every table whose value fell within the step (real start to real end) is moved to the pinned
instant plus its offset into the step. Deadlines computed from the clock (a reservation's
expiry, a promised date) lie after the step and keep their real value, so the live service
keeps working while the history reads as the pinned day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, and_, select, update

from oms.db import tables
from oms.db.types import UtcDateTime

PARIS = ZoneInfo("Europe/Paris")


class PinnedDay:
    def __init__(self, engine: Engine, day: date) -> None:
        self.engine = engine
        self.day = day

    def local(self, hhmm: str, days: int = 0) -> datetime:
        return datetime.combine(self.day + timedelta(days=days), time.fromisoformat(hhmm), PARIS)

    @contextmanager
    def at(self, hhmm: str, days: int = 0, stretch: float = 1.0) -> Iterator[None]:
        """Run a step; what it wrote is stamped ``hhmm`` (local) of the day (``days`` after),
        its offsets into the step multiplied by ``stretch`` (to put seconds between the
        writes of one step)."""
        began = datetime.now(UTC)
        yield
        ended = datetime.now(UTC)
        self._move(began, ended, self.local(hhmm, days).astimezone(UTC), stretch)

    def _move(self, began: datetime, ended: datetime, to: datetime, stretch: float) -> None:
        with self.engine.begin() as conn:
            for table in tables.metadata.sorted_tables:
                for column in _stamps(table):
                    keys = list(table.primary_key.columns)
                    within = and_(column >= began, column <= ended)
                    rows = conn.execute(select(*keys, column).where(within)).all()
                    for row in rows:
                        match = and_(*(k == v for k, v in zip(keys, row[:-1], strict=True)))
                        moved = to + (row[-1] - began) * stretch
                        conn.execute(update(table).where(match).values({column.name: moved}))


def _stamps(table: Table) -> list:  # type: ignore[type-arg]
    return [c for c in table.columns if isinstance(c.type, UtcDateTime)]
