"""The live price board of the look-ahead policy: each unit's opportunity cost by SKU and node.

One board per process. A refresh off the request path (`lookahead_refresh.py`) solves the
prices and publishes them as one immutable `BoardPrices`; a request reads the board's current
object without a lock (swapping a reference is atomic) and takes the rows of its SKUs. Before
the first refresh, and for a SKU or node the prices do not know, a unit's price is 0: the
online policy's decision.

Prices steer which nodes serve an order, never whether a unit is served: a priced order is
sourced with the unfilled penalty raised by its largest price
(`oms.sourcing.lookahead.steering_settings`), so a unit the online policy would fill is filled
here too. Pure: numpy and the sourcing contract only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from oms.sourcing.contract import F64

TOP_PRICES = 10


@dataclass(frozen=True)
class TopPrice:
    sku: str
    node: str
    price: float


@dataclass(frozen=True)
class BoardPrices:
    """Prices `unit[sku, node]` for `sku_ids` x `node_ids`, and how they were made.

    `unit` has one more row than `sku_ids`, all zeros: an unknown SKU's row."""

    sku_ids: tuple[str, ...]
    node_ids: tuple[str, ...]
    unit: F64
    computed_at: datetime | None = None
    elapsed_s: float = 0.0
    forecast_units: float = 0.0  # units the forecast expects from computed_at to the day's end
    history_orders: int = 0  # past orders the forecast was made of
    optimal: bool = True
    _sku_row: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    _row_top: tuple[float, ...] = field(default=(0.0,), repr=False, compare=False)

    @staticmethod
    def of(
        sku_ids: Sequence[str], node_ids: Sequence[str], unit: F64, **about: object
    ) -> BoardPrices:
        """Prices [len(sku_ids), len(node_ids)] and what `BoardPrices` says of them."""
        skus, nodes = tuple(sku_ids), tuple(node_ids)
        if unit.shape != (len(skus), len(nodes)):
            raise ValueError(
                f"prices of shape {unit.shape} for {len(skus)} SKUs x {len(nodes)} nodes"
            )
        padded = np.zeros((len(skus) + 1, len(nodes)), dtype=np.float64)
        padded[:-1] = np.maximum(unit, 0.0)
        padded.setflags(write=False)
        rows = {s: k for k, s in enumerate(skus)}
        top = tuple(padded.max(axis=1).tolist()) if len(nodes) else (0.0,) * (len(skus) + 1)
        return BoardPrices(skus, nodes, padded, _sku_row=rows, _row_top=top, **about)  # type: ignore[arg-type]

    @staticmethod
    def empty() -> BoardPrices:
        return BoardPrices.of((), (), np.zeros((0, 0)))

    def rows(self, skus: Sequence[str], node_ids: tuple[str, ...]) -> F64 | None:
        """Prices [len(skus), len(node_ids)] (a SKU or node not priced: 0), or None when they
        are all 0 (the online decision, at no cost)."""
        found = self.rows_and_top(skus, node_ids)
        return None if found is None else found[0]

    def rows_and_top(
        self, skus: Sequence[str], node_ids: tuple[str, ...]
    ) -> tuple[F64, float] | None:
        """`rows` and their largest price (kept per SKU: a request pays no reduction)."""
        index = [self._sku_row.get(s, -1) for s in skus]
        top = max(self._row_top[i] for i in index)  # the zero row's is 0
        if top <= 0.0:
            return None
        block = self.unit[index]
        if node_ids is not self.node_ids and node_ids != self.node_ids:
            block = self._columns_for(block, node_ids)
            top = float(block.max())
        return (block, top) if top > 0.0 else None

    def _columns_for(self, block: F64, node_ids: tuple[str, ...]) -> F64:
        """The network changed since the refresh: its nodes' columns, 0 for a new node."""
        where = {n: k for k, n in enumerate(self.node_ids)}
        cols = np.array([where.get(n, -1) for n in node_ids], dtype=np.int64)
        if not len(self.node_ids):
            return np.zeros((block.shape[0], len(node_ids)))
        return np.ascontiguousarray(np.where(cols >= 0, block[:, np.maximum(cols, 0)], 0.0))

    @property
    def priced_pairs(self) -> int:
        """(SKU, node) pairs whose price is above 0."""
        return int(np.count_nonzero(self.unit))

    def top(self, k: int = TOP_PRICES) -> list[TopPrice]:
        """The `k` highest prices, highest first."""
        flat = self.unit[:-1].reshape(-1)
        k = min(k, int(np.count_nonzero(flat)))
        if k <= 0:
            return []
        best = np.argpartition(flat, len(flat) - k)[len(flat) - k :]
        best = best[np.argsort(-flat[best], kind="stable")]
        n = len(self.node_ids)
        return [
            TopPrice(self.sku_ids[int(i) // n], self.node_ids[int(i) % n], float(flat[i]))
            for i in best
        ]


class PriceBoard:
    """The latest prices of this process; read lock-free, replaced whole by a refresh."""

    def __init__(self) -> None:
        self._current = BoardPrices.empty()
        self.last_error: str | None = None
        self.failed_at: datetime | None = None

    @property
    def current(self) -> BoardPrices:
        return self._current

    def publish(self, prices: BoardPrices) -> None:
        self._current = prices
        self.last_error = None

    def failed(self, at: datetime, error: str) -> None:
        """A refresh failed: the prices published before stay (stale, not wrong)."""
        self.failed_at, self.last_error = at, error
