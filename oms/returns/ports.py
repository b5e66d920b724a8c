"""What the returns service reads and writes, whatever stores it: its own RMAs and their lines,
and the orders, catalog and stock it reads them against. The SQL unit of work (oms/db/uow.py)
and the fake of the unit tests both provide it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from oms.domain.events import Aggregate, DomainEvent, EventRecord
from oms.domain.ports import Repository
from oms.inventory.model import Node, Sku
from oms.inventory.ports import StockLedger
from oms.orders.model import Allocation, Order, OrderLine, Refund, Shipment
from oms.returns.records import ReturnAuthorization, ReturnLine

T = TypeVar("T")


class Orders(Protocol):
    def get_for_update(self, order_id: str) -> Order: ...


class Writable(Repository[T], Protocol):
    def add_now(self, entity: T) -> None:
        """Written at once: rows that name it (its lines, its refunds) may follow."""
        ...


class Returns(Writable[ReturnAuthorization], Protocol):
    def units_sourced_since(
        self, sku_ids: Sequence[str], since: datetime
    ) -> dict[tuple[str, str], int]:
        """Units of the SKUs sourced per (node, sku) by the orders placed since ``since``: the
        demand that routing and disposition weigh against a node's stock."""
        ...


class History(Protocol):
    def history(self, aggregate: Aggregate | str, aggregate_id: str) -> list[EventRecord]: ...


class ReturnsUnitOfWork(Protocol):
    @property
    def orders(self) -> Orders: ...

    @property
    def order_lines(self) -> Repository[OrderLine]: ...

    @property
    def allocations(self) -> Repository[Allocation]: ...

    @property
    def shipments(self) -> Repository[Shipment]: ...

    @property
    def refunds(self) -> Repository[Refund]: ...

    @property
    def skus(self) -> Repository[Sku]: ...

    @property
    def nodes(self) -> Repository[Node]: ...

    @property
    def stock(self) -> StockLedger: ...

    @property
    def returns(self) -> Returns: ...

    @property
    def return_lines(self) -> Repository[ReturnLine]: ...

    @property
    def events(self) -> History: ...

    def emit(self, event: DomainEvent) -> None: ...

    def commit(self) -> None: ...
