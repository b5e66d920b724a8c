"""Named leases shared by every process (``job_leases``, 0019): one re-optimisation at a time.

A lease is taken by a conditional UPDATE (the row is free: expired, or already ours) or, the
first time, an INSERT; a concurrent INSERT of the same name fails on the primary key. Each step
is its own short transaction, so a run's lease is visible to others at once, on SQLite and
PostgreSQL alike. A holder that dies leaves a lease that runs out at ``expires_at``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from oms.db import tables
from oms.domain.events import utcnow

_T = tables.job_leases


class SqlLease:
    """``oms.stores.reoptimise.Lease`` over the database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        try:
            with self.sessions.begin() as session:
                free = or_(_T.c.expires_at <= now, _T.c.holder == holder)
                stmt = update(_T).where(_T.c.name == name, free)
                done = session.execute(stmt.values(holder=holder, expires_at=until))
                if getattr(done, "rowcount", 0):
                    return True
                if session.execute(select(_T.c.name).where(_T.c.name == name)).first():
                    return False  # held by someone else, not expired
                session.execute(insert(_T).values(name=name, holder=holder, expires_at=until))
                return True
        except IntegrityError:  # another process inserted it first
            return False

    def give_back(self, name: str, holder: str) -> None:
        with self.sessions.begin() as session:
            stmt = update(_T).where(_T.c.name == name, _T.c.holder == holder)
            session.execute(stmt.values(expires_at=utcnow()))
