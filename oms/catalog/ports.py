"""What the catalog needs of a unit of work: nodes, SKUs, the stock ledger, events."""

from __future__ import annotations

from typing import Protocol

from oms.domain.events import DomainEvent
from oms.domain.ports import Repository
from oms.inventory.model import Node, Sku
from oms.inventory.ports import StockLedger


class ChangedNodes(Protocol):
    def changed(self) -> None:
        """The nodes changed in this transaction: the in-memory network (sourcer, calendars)
        is rebuilt once it commits."""
        ...


class CatalogNodes(Repository[Node], ChangedNodes, Protocol):
    def add_now(self, entity: Node) -> None: ...


class NetworkChanges(Protocol):
    """What the network handler needs: a way to say that the nodes changed."""

    @property
    def nodes(self) -> ChangedNodes: ...


class CatalogUnitOfWork(Protocol):
    @property
    def nodes(self) -> CatalogNodes: ...

    @property
    def skus(self) -> Repository[Sku]: ...

    @property
    def stock(self) -> StockLedger: ...

    def emit(self, event: DomainEvent) -> None: ...

    def flush(self) -> None:
        """Write what is staged (rows that the ledger's statements name) without committing."""
        ...

    def commit(self) -> None: ...
