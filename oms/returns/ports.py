"""What the returns service reads and writes, whatever stores it: its own RMAs and their lines,
and the orders, catalog and stock it reads them against. The SQL unit of work (oms/db/uow.py)
and the fake of the unit tests both provide it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from oms.domain.ports import Repository
from oms.inventory.model import Node, Sku
from oms.orders.model import Refund
from oms.orders.ports import OrdersUnitOfWork, Skus
from oms.promise.ports import NodeReader
from oms.returns.records import ReturnAuthorization, ReturnLine

T = TypeVar("T")


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


class CatalogSkus(Skus, Repository[Sku], Protocol):
    pass


class CatalogNodes(NodeReader, Repository[Node], Protocol):
    pass


class ReturnsUnitOfWork(OrdersUnitOfWork, Protocol):
    """What orders read and write (an exchange places an order in the return's transaction),
    and the returns' own records."""

    @property
    def skus(self) -> CatalogSkus: ...

    @property
    def nodes(self) -> CatalogNodes: ...

    @property
    def refunds(self) -> Repository[Refund]: ...

    @property
    def returns(self) -> Returns: ...

    @property
    def return_lines(self) -> Repository[ReturnLine]: ...
