"""What the app holds for its lifetime: the engine, session factories, caches, the message bus,
and whether kernels are warm. ``oms/bootstrap.py`` builds it."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from anyio import CapacityLimiter
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from oms.api.auth import KeyCache, Principal
from oms.db.job_leases import SqlLease
from oms.db.uow import SqlUnitOfWork
from oms.domain.bus import NO_HANDLERS, MessageBus
from oms.notifications.mailer import Mailer
from oms.promise.service import NetworkCache

log = logging.getLogger("oms.api")


@dataclass
class AppState:
    engine: Engine
    sessions: sessionmaker[Session]
    readers: sessionmaker[Session]
    bus: MessageBus
    warm: threading.Event = field(default_factory=threading.Event)
    networks: NetworkCache = field(default_factory=NetworkCache)
    keys: KeyCache = field(default_factory=KeyCache)
    # The thread pool of the checkout write path (reservations, orders): see Settings.
    writers: CapacityLimiter = field(default_factory=lambda: CapacityLimiter(2))
    _reader: threading.local = field(default_factory=threading.local)

    def authenticate(self, raw_key: str | None, client: str | None = None) -> Principal:
        """The key's principal; a known key costs no SQL for ``KeyCache.ttl_s`` (1 s).
        ``client`` is the client's address: its failed authentications are throttled."""
        return self.keys.principal(raw_key, self._key_reads, client)

    def _key_reads(self) -> SqlUnitOfWork:
        """A unit of work of its own over a reader session, for a key lookup."""
        return SqlUnitOfWork(self.readers, NO_HANDLERS)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A read-only session; each thread keeps one, so a read served from caches (the warm
        promise) costs no session. Closed after any use: no transaction or loaded object
        outlives the block."""
        if not hasattr(self._reader, "session"):
            self._reader.session, self._reader.busy = self.readers(), False
        session: Session = self._reader.session
        if self._reader.busy:  # nested: a session of its own
            with self.readers() as own:
                yield own
            return
        self._reader.busy = True
        try:
            yield session
        finally:
            self._reader.busy = False
            if session.in_transaction() or len(session.identity_map):
                session.close()

    @contextmanager
    def read_uow(self) -> Iterator[SqlUnitOfWork]:
        """The repositories over this thread's read session (see ``read_session``): reads
        only, nothing to commit."""
        with self.read_session() as session:
            # The thread's read session lives on, so does a unit of work over it: a warm
            # promise builds no object here.
            reads: SqlUnitOfWork | None = getattr(self._reader, "uow", None)
            if reads is None or reads.session is not session:
                reads = SqlUnitOfWork(self.readers, NO_HANDLERS).begin(session)
                if session is self._reader.session:
                    self._reader.uow = reads
            yield reads

    def leases(self) -> SqlLease:
        """The database's named leases (one re-optimisation at a time across processes)."""
        return SqlLease(self.sessions)

    @contextmanager
    def unit_of_work(self) -> Iterator[SqlUnitOfWork]:
        with SqlUnitOfWork(self.sessions, self.bus) as uow:
            yield uow

    def sweep_once(self) -> int:
        """Expire the reservations and the uncollected pickups whose time is up, giving their
        units back; returns how many."""
        from oms.orders.reservations import expire_due
        from oms.stores.fulfilment import expire_pickups

        with self.unit_of_work() as uow:  # one transaction: both steps, then one commit
            expired = expire_due(uow) + expire_pickups(uow)
            uow.commit()
        return expired

    def sweep_forever(self, stop: threading.Event, every_s: float = 30.0) -> None:
        while not stop.wait(every_s):
            try:
                self.sweep_once()
            except Exception:
                log.exception("reservation sweep failed")

    def dispatch_forever(self, stop: threading.Event) -> None:
        """The webhook dispatcher and the mailer, until ``stop`` is set (then their sends in
        flight finish)."""
        from oms.config import get_settings
        from oms.db.webhook_dispatch import sql_dispatcher

        settings = get_settings()
        dispatcher = sql_dispatcher(
            self.sessions,
            self.readers,
            timeout_s=settings.webhook_timeout_s,
            allow_private=settings.webhooks_allow_private,
            threads=settings.webhook_threads,
            chores=[mailer(self.sessions, self.readers, self.bus)],
        )
        dispatcher.run(stop, drain_s=settings.webhook_timeout_s + 1)

    def warm_up(self) -> None:
        """Compile the sourcing kernels, load the network and the places addresses are located
        in; /readyz answers only once this is done, so the first checkout pays for none."""
        from oms.promise import places
        from oms.sourcing.online import warm_up

        warm_up()
        places.warm()  # before gc.freeze: its ~230k places stay out of the collector's passes
        try:
            with self.read_uow() as reads:
                self.networks.get(reads)
        except Exception:  # an empty or unmigrated database: the first promise loads it
            log.warning("network not loaded at start-up", exc_info=True)
        # What start-up made (modules, compiled kernels, the ORM) lives as long as the process:
        # keep it out of the collector's full passes, which otherwise pause every request for
        # tens of milliseconds.
        gc.collect()
        gc.freeze()
        self.warm.set()


def mailer(
    sessions: sessionmaker[Session], readers: sessionmaker[Session], bus: MessageBus
) -> Mailer:
    """The mailer of customer notifications as the settings say (OMS_SMTP_URL...): it rides
    on the dispatcher's tick, in ``oms serve`` and ``oms worker`` alike."""
    from oms.config import get_settings
    from oms.db.notification_dispatch import sql_mailer

    settings = get_settings()
    return sql_mailer(
        sessions,
        readers,
        bus,
        smtp_url=settings.smtp_url,
        from_address=settings.smtp_from,
        timeout_s=settings.smtp_timeout_s,
        templates=settings.notification_templates,
        remind_within=timedelta(hours=settings.pickup_reminder_hours),
    )
