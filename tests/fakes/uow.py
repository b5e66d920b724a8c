"""The unit of work in memory: every repository the SQL one offers, an event log, the real
message bus (its handlers are what the tests exercise), and commit/rollback that only count."""

from __future__ import annotations

from typing import Self

from oms.domain.bus import MessageBus
from oms.domain.events import Aggregate, DomainEvent, EventRecord
from oms.handlers import message_bus
from tests.fakes.catalog import FakeApiKeys, FakeNodes, FakeSkus, FakeStoreSessions
from tests.fakes.customers import FakeCustomerAddresses, FakeCustomers
from tests.fakes.demand_history import FakeDemandHistory
from tests.fakes.kpis import FakeKpiFacts
from tests.fakes.notifications import FakePickupReminders
from tests.fakes.order_search import FakeOrderSearch, Rows
from tests.fakes.orders import (
    FakeAllocations,
    FakeIdempotency,
    FakeOrderLines,
    FakeOrderNodes,
    FakeOrders,
    FakeRefunds,
    FakeReservationLines,
    FakeReservations,
    FakeShipments,
)
from tests.fakes.parcels import FakeParcels, FakePickupsToReshelve
from tests.fakes.receipts import FakeTransferReceiptLines
from tests.fakes.returns import FakeReturnLines, FakeReturns
from tests.fakes.stock import FakeStockLedger
from tests.fakes.store_counts import FakeStockCountLines, FakeStockCounts, FakeStoreQueues
from tests.fakes.stores import (
    FakeNotifications,
    FakePickLines,
    FakePickRejections,
    FakePicks,
    FakeSlots,
)
from tests.fakes.tracking import FakeTrackingEvents
from tests.fakes.webhooks import FakeWebhookAttempts, FakeWebhookDeliveries, FakeWebhookEndpoints


class FakeEventLog:
    def __init__(self) -> None:
        self.records: list[EventRecord] = []

    def queue(self, event: DomainEvent) -> None:
        histories = ((event.aggregate, event.aggregate_id), *event.also_recorded_on())
        for aggregate, key in histories:
            self.records.append(
                EventRecord(
                    id=len(self.records) + 1,
                    type=event.name,
                    aggregate=aggregate,
                    aggregate_id=key,
                    payload=event.payload(),
                )
            )

    def history(self, aggregate: Aggregate | str, aggregate_id: str) -> list[EventRecord]:
        return [
            r
            for r in self.records
            if r.aggregate == Aggregate(aggregate) and r.aggregate_id == aggregate_id
        ]


class FakeUnitOfWork:
    def __init__(self, bus: MessageBus | None = None) -> None:
        self.bus = bus or message_bus()
        self.committed = 0
        self.rolled_back = 0
        self.emitted: list[DomainEvent] = []
        self.events = FakeEventLog()
        self.nodes = FakeNodes(lambda: self.shipments.rows.values())
        self.skus = FakeSkus()
        self.stock = FakeStockLedger(lambda: self.nodes.rows, lambda: self.skus.rows, self.emit)
        self.reservations = FakeReservations()
        self.orders = FakeOrders()
        self.shipments = FakeShipments()
        self.refunds = FakeRefunds()
        self.idempotency = FakeIdempotency()
        self.picks = FakePicks()
        self.slots = FakeSlots()
        self.notifications = FakeNotifications()
        self.returns = FakeReturns()
        self.reservation_lines = FakeReservationLines()
        self.order_lines = FakeOrderLines()
        self.allocations = FakeAllocations()
        self.order_nodes = FakeOrderNodes()
        self.pick_lines = FakePickLines()
        self.pick_rejections = FakePickRejections()
        self.return_lines = FakeReturnLines()
        self.api_keys = FakeApiKeys()
        self.store_sessions = FakeStoreSessions()
        self.webhook_deliveries = FakeWebhookDeliveries()
        self.webhook_endpoints = FakeWebhookEndpoints(self.webhook_deliveries)
        self.kpis = FakeKpiFacts()
        self.webhook_attempts = FakeWebhookAttempts()
        self.customers = FakeCustomers()
        self.customer_addresses = FakeCustomerAddresses()
        self.customer_contacts = self.customers
        self.tracking_events = FakeTrackingEvents()
        self.receipt_lines = FakeTransferReceiptLines()
        rows = Rows(
            orders=lambda: self.orders.rows.values(),
            lines=lambda: self.order_lines.rows.values(),
            order_nodes=lambda: self.order_nodes.rows.values(),
            returns=lambda: self.returns.rows.values(),
            customers=self.customers.rows,
        )
        self.order_search = FakeOrderSearch(rows)
        self.pickup_reminders = FakePickupReminders(self.orders)
        self.stock_counts = FakeStockCounts(lambda: self.stock.items)
        self.stock_count_lines = FakeStockCountLines()
        self.store_queues = FakeStoreQueues(self)
        self.parcels = FakeParcels()
        self.pickups_to_reshelve = FakePickupsToReshelve()
        self.demand_history = FakeDemandHistory(
            lambda: self.orders.rows.values(), lambda: self.order_lines.rows.values()
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def emit(self, event: DomainEvent) -> None:
        self.events.queue(event)
        self.emitted.append(event)
        self.bus.handle(event, self)

    def flush(self) -> None:
        pass

    def commit(self) -> None:
        self.committed += 1

    def rollback(self) -> None:
        self.rolled_back += 1

    def emitted_names(self) -> list[str]:
        return [e.name for e in self.emitted]
