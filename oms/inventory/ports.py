"""The stock ledger as the services use it (``uow.stock``): the database's ledger
(``oms/db/ledger.py``) and the fake of the unit tests both keep these promises: multi-row moves
are all or nothing, nothing is ever oversold, every change raises a ``StockChanged`` event."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from oms.inventory.atp import Shortfall, StockLevel
from oms.inventory.model import StockItem

Rows = Iterable[tuple[str, str, int]]  # (node_id, sku_id, qty)


class StockLedger(Protocol):
    def levels(self, node_id: str, sku_id: str) -> StockLevel | None: ...

    def item(self, node_id: str, sku_id: str) -> StockItem | None:
        """The stock item as stored (its bin); read-only: counters change through the ledger."""
        ...

    def items_of(self, sku_id: str) -> list[StockItem]: ...

    def set_bin(self, node_id: str, sku_id: str, bin_location: str) -> None: ...

    def available(
        self,
        sku_ids: Iterable[str],
        node_ids: Iterable[str] | None = None,
        *,
        enabled_only: bool = True,
    ) -> dict[tuple[str, str], int]: ...

    def atp_versions(self, sku_ids: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]: ...

    def reserved_by_node(self) -> dict[str, int]: ...

    def set_stock(
        self,
        node_id: str,
        sku_id: str,
        *,
        on_hand: int | None = None,
        safety_stock: int | None = None,
    ) -> StockLevel: ...

    def receive(
        self, node_id: str, sku_id: str, qty: int, *, ref: str | None = None
    ) -> StockLevel: ...

    def adjust(self, node_id: str, sku_id: str, delta: int, reason: str) -> StockLevel: ...

    def hold(self, rows: Rows, *, ref: str | None = None) -> list[Shortfall]: ...

    def hold_or_raise(self, rows: Rows, *, ref: str | None = None) -> None: ...

    def release(self, rows: Rows, *, ref: str | None = None) -> None: ...

    def move(self, release: Rows, hold: Rows, *, ref: str | None = None) -> list[Shortfall]:
        """Release some rows and hold others in one pass in lock order, all or nothing: [] when
        done, else the holds' shortfalls (NotReserved when a release exceeds what is held)."""
        ...

    def commit_shipment(self, rows: Rows, *, ref: str | None = None) -> None: ...
