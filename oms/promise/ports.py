"""What the promise reads, whatever stores it: the nodes, which SKUs exist, stock levels. The
unit of work (SQL or fake) offers all three; so does a read-only one over the promise path's
session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple, Protocol

from oms.inventory.model import Node

# (node_id, sku_id) -> (ATP, row version) as a committed transaction left the row.
StockLevels = dict[tuple[str, str], tuple[int, int]]


class NodeReader(Protocol):
    def signature(self) -> tuple[object, ...]:
        """Changes whenever a node is added, enabled or disabled (a cheap read)."""
        ...

    def list_by(self, *, order_by: str | tuple[str, ...] = (), **equals: object) -> list[Node]: ...

    def closed_for_orders(self, now: datetime) -> frozenset[str]:
        """The nodes taking no new order now: paused, or their daily order limit reached."""
        ...


class SkuReader(Protocol):
    def existing(self, sku_ids: Sequence[str]) -> list[str]: ...


class StockReader(Protocol):
    def atp_versions(self, sku_ids: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]: ...

    def reserved_by_node(self) -> dict[str, int]: ...


class NetworkSource(Protocol):
    @property
    def nodes(self) -> NodeReader: ...

    @property
    def skus(self) -> SkuReader: ...

    @property
    def stock(self) -> StockReader: ...


class HistoryLine(NamedTuple):
    """One line of a past order, as the look-ahead forecast reads it (`demand_estimate.py`)."""

    order_id: str
    created_at: datetime
    pickup_node: str | None  # a pickup order's store; None for a shipped order
    dest_lat: float | None  # a shipped order's address (None once erased)
    dest_lon: float | None
    sku_id: str
    qty: int


class DemandHistoryReader(Protocol):
    def lines_between(self, windows: Sequence[tuple[datetime, datetime]]) -> list[HistoryLine]:
        """The lines of the orders created within any of the [start, end) windows, an order's
        lines together and in line order."""
        ...


class PriceSource(NetworkSource, Protocol):
    """What a price refresh reads: the network and stock, and the order history."""

    @property
    def demand_history(self) -> DemandHistoryReader: ...
