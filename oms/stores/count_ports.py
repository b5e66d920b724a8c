"""What stock counts need of a unit of work beyond the stores' own: the counts and their lines
(``SqlUnitOfWork`` provides them; SQL in ``oms/db/repositories/counts.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from oms.domain.ports import Repository
from oms.stores.counts_model import StockCount, StockCountLine


class StockCounts(Repository[StockCount], Protocol):
    def add_now(self, entity: StockCount) -> None: ...

    def find_for_update(self, count_id: str) -> StockCount | None:
        """The count, locked for the rest of the transaction (two submits never both apply)."""
        ...

    def skus_in_bins(self, node_id: str, bins: Sequence[str]) -> list[str]:
        """The SKUs whose stock rows at the node have one of these bin locations, by id."""
        ...


class StockCountLines(Repository[StockCountLine], Protocol):
    def add_all_now(self, entities: Sequence[StockCountLine]) -> None: ...
