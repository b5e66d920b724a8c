"""``uow.stock``: the ledger's functions bound to the unit of work's session."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oms.db import ledger, tables
from oms.inventory.atp import Shortfall, StockLevel
from oms.inventory.errors import UnknownSku
from oms.inventory.model import StockItem
from oms.inventory.ports import Rows


class SqlStockLedger:
    def __init__(self, session: Session) -> None:
        self.session = session

    def levels(self, node_id: str, sku_id: str) -> StockLevel | None:
        return ledger.levels(self.session, node_id, sku_id)

    def item(self, node_id: str, sku_id: str) -> StockItem | None:
        return self.session.get(StockItem, (node_id, sku_id))

    def items_of(self, sku_id: str) -> list[StockItem]:
        c = tables.inventory.c
        stmt = select(StockItem).where(c.sku_id == sku_id).order_by(c.node_id)
        return list(self.session.scalars(stmt))

    def set_bin(self, node_id: str, sku_id: str, bin_location: str) -> None:
        """Where pickers find the SKU at the node (the row exists: set_stock made it)."""
        row = self.item(node_id, sku_id)
        if row is None:
            raise UnknownSku(sku_id)
        row.bin_location = bin_location

    def available(
        self,
        sku_ids: Iterable[str],
        node_ids: Iterable[str] | None = None,
        *,
        enabled_only: bool = True,
    ) -> dict[tuple[str, str], int]:
        return ledger.available(self.session, sku_ids, node_ids, enabled_only=enabled_only)

    def atp_versions(self, sku_ids: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]:
        return ledger.atp_versions(self.session, sku_ids)

    def reserved_by_node(self) -> dict[str, int]:
        c = tables.inventory.c
        # Only rows holding units (the partial index ix_inventory_held): a retail catalogue's
        # millions of idle rows are never read for it.
        rows = self.session.execute(
            select(c.node_id, func.sum(c.reserved)).where(c.reserved > 0).group_by(c.node_id)
        )
        return {node: int(units or 0) for node, units in rows}

    def set_stock(
        self,
        node_id: str,
        sku_id: str,
        *,
        on_hand: int | None = None,
        safety_stock: int | None = None,
    ) -> StockLevel:
        return ledger.set_stock(
            self.session, node_id, sku_id, on_hand=on_hand, safety_stock=safety_stock
        )

    def receive(self, node_id: str, sku_id: str, qty: int, *, ref: str | None = None) -> StockLevel:
        return ledger.receive(self.session, node_id, sku_id, qty, ref=ref)

    def adjust(self, node_id: str, sku_id: str, delta: int, reason: str) -> StockLevel:
        return ledger.adjust(self.session, node_id, sku_id, delta, reason)

    def hold(self, rows: Rows, *, ref: str | None = None) -> list[Shortfall]:
        return ledger.hold(self.session, rows, ref=ref)

    def hold_or_raise(self, rows: Rows, *, ref: str | None = None) -> None:
        ledger.hold_or_raise(self.session, rows, ref=ref)

    def release(self, rows: Rows, *, ref: str | None = None) -> None:
        ledger.release(self.session, rows, ref=ref)

    def move(self, release: Rows, hold: Rows, *, ref: str | None = None) -> list[Shortfall]:
        return ledger.move(self.session, release, hold, ref=ref)

    def commit_shipment(self, rows: Rows, *, ref: str | None = None) -> None:
        ledger.commit_shipment(self.session, rows, ref=ref)
