"""What the stores context needs of a unit of work: its picks and slots, the orders' rows it
works on (shipments, lines, allocations, refunds: the store ships, collects, re-sources), the
stock ledger, the nodes and SKUs (sourcing again after a short pick), and what an order's view
reads. ``SqlUnitOfWork`` and the fake both provide them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from oms.domain.ports import Repository, UnitOfWork
from oms.inventory.model import Node, Sku
from oms.inventory.ports import StockLedger
from oms.notifications.model import Notification
from oms.orders.model import Allocation, Order, OrderLine, OrderNode, Refund, Shipment
from oms.orders.ports import History, OrderViewSource
from oms.stores.model import Pick, PickLine, PickRejection, PickupSlot


class Nodes(Repository[Node], Protocol):
    def signature(self) -> tuple[object, ...]: ...

    def closed_for_orders(self, now: datetime) -> frozenset[str]: ...

    def orders_since(self, node_id: str, since: datetime) -> int:
        """Orders with a shipment created at the node since then (sourced there)."""
        ...

    def changed(self) -> None:
        """The network cache hears of it after the commit (capacity controls changed)."""
        ...


class Skus(Repository[Sku], Protocol):
    def existing(self, sku_ids: Sequence[str]) -> list[str]: ...


class Orders(Repository[Order], Protocol):
    def get_for_update(self, order_id: str) -> Order:
        """The order, its row locked for the rest of the transaction."""
        ...

    def pickups_due(self, now: datetime) -> list[Order]:
        """Ready orders whose pickup hold has ended, locked, skipping rows others hold."""
        ...


class Shipments(Repository[Shipment], Protocol):
    def add_now(self, entity: Shipment) -> None: ...


class Allocations(Repository[Allocation], Protocol):
    def remove(self, allocation: Allocation) -> None: ...


class Picks(Repository[Pick], Protocol):
    def add_now(self, entity: Pick) -> None: ...


class PickLines(Repository[PickLine], Protocol):
    def remove(self, line: PickLine) -> None: ...


class PickRejections(Repository[PickRejection], Protocol):
    def tally(self, since: datetime) -> list[tuple[str, str, str, int, int]]:
        """Rejections since then as (reason, sku, node, lines, units), one row per triple."""
        ...


class Slots(Repository[PickupSlot], Protocol):
    def give_back(self, slot_id: str) -> None:
        """One booked place less."""
        ...


class StoresUnitOfWork(OrderViewSource, UnitOfWork, Protocol):
    @property
    def nodes(self) -> Nodes: ...

    @property
    def skus(self) -> Skus: ...

    @property
    def stock(self) -> StockLedger: ...

    @property
    def orders(self) -> Orders: ...

    @property
    def order_lines(self) -> Repository[OrderLine]: ...

    @property
    def allocations(self) -> Allocations: ...

    @property
    def order_nodes(self) -> Repository[OrderNode]: ...

    @property
    def shipments(self) -> Shipments: ...

    @property
    def refunds(self) -> Repository[Refund]: ...

    @property
    def picks(self) -> Picks: ...

    @property
    def pick_lines(self) -> PickLines: ...

    @property
    def slots(self) -> Slots: ...

    @property
    def pick_rejections(self) -> PickRejections: ...

    @property
    def notifications(self) -> Repository[Notification]: ...

    @property
    def events(self) -> History: ...
