"""The SQLAlchemy unit of work, its event log, and retries of transient failures.

``SqlUnitOfWork`` is cosmicpython's: a session whose work is kept only on an explicit
``commit()``; leaving the block without one rolls everything back, events included. It offers
every context's repositories (built on first use) and ``emit``: an event is queued for the
events table, written in the same transaction (all queued rows in one statement, before any
history read and at commit) and handed to the message bus at once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import Self, TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from oms.db.events import OWNER, EventLog
from oms.db.ledger_adapter import SqlStockLedger
from oms.db.outbox import SqlFeed
from oms.db.personal_data import SqlPersonalData
from oms.db.repositories.catalog import (
    SqlApiKeys,
    SqlNodes,
    SqlSkus,
    SqlStoreSessions,
)
from oms.db.repositories.counts import SqlStockCountLines, SqlStockCounts
from oms.db.repositories.customers import SqlCustomerAddresses, SqlCustomers
from oms.db.repositories.demand_history import SqlDemandHistory
from oms.db.repositories.kpis import SqlKpiFacts
from oms.db.repositories.notifications import SqlPickupReminders
from oms.db.repositories.order_search import SqlOrderSearch
from oms.db.repositories.orders import (
    SqlAllocations,
    SqlIdempotency,
    SqlOrderLines,
    SqlOrderNodes,
    SqlOrders,
    SqlRefunds,
    SqlReservationLines,
    SqlReservations,
    SqlShipments,
)
from oms.db.repositories.parcels import SqlParcels, SqlPickupsToReshelve
from oms.db.repositories.receipts import SqlTransferReceiptLines
from oms.db.repositories.returns import SqlReturnLines, SqlReturns
from oms.db.repositories.store_today import SqlStoreQueues
from oms.db.repositories.stores import (
    SqlNotifications,
    SqlPickLines,
    SqlPickRejections,
    SqlPicks,
    SqlSlots,
)
from oms.db.repositories.tracking import SqlTrackingEvents
from oms.db.repositories.webhooks import (
    SqlWebhookAttempts,
    SqlWebhookDeliveries,
    SqlWebhookEndpoints,
)
from oms.domain.bus import MessageBus
from oms.domain.events import DomainEvent

T = TypeVar("T")

# PostgreSQL SQLSTATEs worth a retry: serialization failure, deadlock detected.
_PG_TRANSIENT = {"40001", "40P01"}
# What SQLite says when the write lock was still busy after busy_timeout.
_SQLITE_TRANSIENT = ("database is locked", "database is busy")


class SqlUnitOfWork:
    """``with SqlUnitOfWork(session_factory, bus) as uow: ...; uow.commit()``."""

    session: Session

    def __init__(self, session_factory: Callable[[], Session], bus: MessageBus) -> None:
        self._session_factory = session_factory
        self.bus = bus
        self.emitted: list[DomainEvent] = []

    def __enter__(self) -> Self:
        return self.begin(self._session_factory())

    def begin(self, session: Session) -> Self:
        """Work in ``session`` (a fresh one, or the caller's read session)."""
        for name in _REPOSITORIES:
            self.__dict__.pop(name, None)
        self.session = session
        self.session.info[OWNER] = self
        self.events = EventLog(session)
        self.emitted = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches the loaded objects without
        # expiring them, so results read in the block stay usable after it.
        self.events.discard()
        self.session.info.pop(OWNER, None)
        self.session.close()

    def emit(self, event: DomainEvent) -> None:
        self.events.queue(event)
        self.emitted.append(event)
        self.bus.handle(event, self)

    def flush(self) -> None:
        """Write what the session holds (entities and queued events) without committing."""
        self.session.flush()
        self.events.write()

    def commit(self) -> None:
        self.events.write()
        self.session.commit()

    def rollback(self) -> None:
        self.events.discard()
        self.session.rollback()

    # ------------------------------------------------------------ repositories

    @cached_property
    def stock(self) -> SqlStockLedger:
        return SqlStockLedger(self.session)

    @cached_property
    def nodes(self) -> SqlNodes:
        return SqlNodes(self.session)

    @cached_property
    def skus(self) -> SqlSkus:
        return SqlSkus(self.session)

    @cached_property
    def reservations(self) -> SqlReservations:
        return SqlReservations(self.session)

    @cached_property
    def orders(self) -> SqlOrders:
        return SqlOrders(self.session)

    @cached_property
    def shipments(self) -> SqlShipments:
        return SqlShipments(self.session)

    @cached_property
    def refunds(self) -> SqlRefunds:
        return SqlRefunds(self.session)

    @cached_property
    def idempotency(self) -> SqlIdempotency:
        return SqlIdempotency(self.session)

    @cached_property
    def picks(self) -> SqlPicks:
        return SqlPicks(self.session)

    @cached_property
    def slots(self) -> SqlSlots:
        return SqlSlots(self.session)

    @cached_property
    def notifications(self) -> SqlNotifications:
        return SqlNotifications(self.session)

    @cached_property
    def returns(self) -> SqlReturns:
        return SqlReturns(self.session)

    @cached_property
    def reservation_lines(self) -> SqlReservationLines:
        return SqlReservationLines(self.session)

    @cached_property
    def order_lines(self) -> SqlOrderLines:
        return SqlOrderLines(self.session)

    @cached_property
    def allocations(self) -> SqlAllocations:
        return SqlAllocations(self.session)

    @cached_property
    def pick_lines(self) -> SqlPickLines:
        return SqlPickLines(self.session)

    @cached_property
    def pick_rejections(self) -> SqlPickRejections:
        return SqlPickRejections(self.session)

    @cached_property
    def return_lines(self) -> SqlReturnLines:
        return SqlReturnLines(self.session)

    @cached_property
    def api_keys(self) -> SqlApiKeys:
        return SqlApiKeys(self.session)

    @cached_property
    def store_sessions(self) -> SqlStoreSessions:
        return SqlStoreSessions(self.session)

    @cached_property
    def customers(self) -> SqlCustomers:
        return SqlCustomers(self.session)

    @property
    def customer_contacts(self) -> SqlCustomers:
        return self.customers

    @cached_property
    def customer_addresses(self) -> SqlCustomerAddresses:
        return SqlCustomerAddresses(self.session)

    @cached_property
    def personal_data(self) -> SqlPersonalData:
        return SqlPersonalData(self.session)

    @cached_property
    def feed(self) -> SqlFeed:
        return SqlFeed(self.session)

    @cached_property
    def webhook_endpoints(self) -> SqlWebhookEndpoints:
        return SqlWebhookEndpoints(self.session)

    @cached_property
    def webhook_deliveries(self) -> SqlWebhookDeliveries:
        return SqlWebhookDeliveries(self.session)

    @cached_property
    def kpis(self) -> SqlKpiFacts:
        return SqlKpiFacts(self.session)

    @cached_property
    def webhook_attempts(self) -> SqlWebhookAttempts:
        return SqlWebhookAttempts(self.session)

    @cached_property
    def tracking_events(self) -> SqlTrackingEvents:
        return SqlTrackingEvents(self.session)

    @cached_property
    def order_nodes(self) -> SqlOrderNodes:
        return SqlOrderNodes(self.session)

    @cached_property
    def order_search(self) -> SqlOrderSearch:
        return SqlOrderSearch(self.session)

    @cached_property
    def pickup_reminders(self) -> SqlPickupReminders:
        return SqlPickupReminders(self.session)

    @cached_property
    def receipt_lines(self) -> SqlTransferReceiptLines:
        return SqlTransferReceiptLines(self.session)

    @cached_property
    def stock_counts(self) -> SqlStockCounts:
        return SqlStockCounts(self.session)

    @cached_property
    def stock_count_lines(self) -> SqlStockCountLines:
        return SqlStockCountLines(self.session)

    @cached_property
    def store_queues(self) -> SqlStoreQueues:
        return SqlStoreQueues(self.session)

    @cached_property
    def parcels(self) -> SqlParcels:
        return SqlParcels(self.session)

    @cached_property
    def pickups_to_reshelve(self) -> SqlPickupsToReshelve:
        return SqlPickupsToReshelve(self.session)

    @cached_property
    def demand_history(self) -> SqlDemandHistory:
        return SqlDemandHistory(self.session)


_REPOSITORIES = [
    name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, cached_property)
]


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
            with session_factory() as session:
                result = work(session)
                session.commit()
                return result
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
        # Jitter so that the writers that collided do not collide again.
        time.sleep(backoff_s * 2 ** (attempt - 1) * random.random())
    raise AssertionError("unreachable")
