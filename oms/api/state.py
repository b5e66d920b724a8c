"""What the app holds for its lifetime: the engine, sessions, and whether kernels are warm."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from oms.db.engine import make_engine, make_session_factory, migrate, read_only
from oms.db.uow import UnitOfWork
from oms.promise.service import NetworkCache


@dataclass
class AppState:
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    warm: threading.Event = field(default_factory=threading.Event)
    networks: NetworkCache = field(default_factory=NetworkCache)

    @staticmethod
    def open(database_url: str, *, run_migrations: bool = True) -> AppState:
        if run_migrations:
            migrate(database_url)
        engine = make_engine(database_url)
        # Reads (promise) skip SQLite's write lock, so they never queue behind reservations.
        return AppState(
            engine, make_session_factory(engine), make_session_factory(read_only(engine))
        )

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self.readers() as session:
            yield session

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        with UnitOfWork(self.sessions) as uow:
            yield uow

    def warm_up(self) -> None:
        """Compile the sourcing kernels; /readyz answers only once this is done."""
        from oms.sourcing.online import warm_up

        warm_up()
        self.warm.set()
