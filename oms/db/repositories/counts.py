"""Repositories of stock counts (``oms.stores.count_ports``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from oms.db import tables
from oms.db.repositories.base import SqlRepository
from oms.stores.counts_model import StockCount, StockCountLine


class SqlStockCounts(SqlRepository[StockCount]):
    entity = StockCount

    def find_for_update(self, count_id: str) -> StockCount | None:
        """The count, its row locked for the rest of the transaction, re-read from it."""
        return self.session.get(StockCount, count_id, with_for_update=True, populate_existing=True)

    def skus_in_bins(self, node_id: str, bins: Sequence[str]) -> list[str]:
        c = tables.inventory.c
        found = self.session.scalars(
            select(c.sku_id)
            .where(c.node_id == node_id, c.bin_location.in_(list(bins)))
            .order_by(c.sku_id)
        )
        return list(found)


class SqlStockCountLines(SqlRepository[StockCountLine]):
    entity = StockCountLine
