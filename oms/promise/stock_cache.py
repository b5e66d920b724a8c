"""ATP rows kept between promises, so a checkout's promise costs no SQL on a warm SKU.

A promise is advice (the hold re-checks stock with guarded updates), yet it should not show
stock a reservation in this process already took: commits in this process drop the SKUs they
touched (oms.db.changes), and writes by other processes show within ``ttl_s``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from itertools import islice
from time import monotonic

import numpy as np

from oms.sourcing.network import Network

REFRESH_AHEAD = 0.5  # a read also refreshes kept SKUs in the last half of their life
MAX_REFRESH = 256  # at most this many of them per read

# Reads the ATP of some SKUs as a [sku, node] array over the network's nodes.
StockReader = Callable[[Network, list[str]], np.ndarray]


class StockCache:
    def __init__(self, ttl_s: float = 1.0) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        # sku -> (network it was read for, expiry, ATP per node)
        self._rows: dict[str, tuple[Network, float, np.ndarray]] = {}
        # Invalidation clock: a read that started before a SKU was invalidated is not kept.
        self._clock = 0
        self._dropped_at: dict[str, int] = {}
        self._all_dropped_at = 0

    def atp(self, network: Network, skus: list[str], read: StockReader) -> np.ndarray:
        """ATP as a [len(skus), nodes] array; reads only when some are missing or stale, and
        then, in the same statement, the kept SKUs in the last part of their life."""
        now = monotonic()
        out = np.empty((len(skus), len(network)), dtype=np.int64)
        missing: list[int] = []
        with self._lock:
            started = self._clock
            for k, sku in enumerate(skus):
                hit = self._rows.get(sku)
                if hit is not None and hit[0] is network and hit[1] > now:
                    out[k] = hit[2]
                else:
                    missing.append(k)
            along = self._expiring(network, now, set(skus)) if missing else []
        if missing:
            wanted = [skus[k] for k in missing] + along
            fresh = read(network, wanted)
            out[missing] = fresh[: len(missing)]
            self._keep(network, wanted, fresh, started, now)
        return out

    def _expiring(self, network: Network, now: float, but: set[str]) -> list[str]:
        """Kept SKUs due within REFRESH_AHEAD of their life: a hot set read together is
        refreshed by one statement a period rather than one per SKU (each a pause of the
        event loop that serves checkout)."""
        soon = now + self.ttl_s * REFRESH_AHEAD
        due = (s for s, (net, at, _) in self._rows.items() if net is network and at <= soon)
        return list(islice((s for s in due if s not in but), MAX_REFRESH))

    def _keep(
        self, network: Network, skus: list[str], rows: np.ndarray, started: int, now: float
    ) -> None:
        with self._lock:
            if self._all_dropped_at > started:
                return
            for sku, row in zip(skus, rows, strict=True):
                if self._dropped_at.get(sku, -1) <= started:
                    self._rows[sku] = (network, now + self.ttl_s, row.copy())

    def drop(self, skus: Iterable[str] | None = None) -> None:
        """Forget some SKUs (None: all); reads already under way are not kept either."""
        with self._lock:
            self._clock += 1
            if skus is None:
                self._rows.clear()
                self._dropped_at.clear()
                self._all_dropped_at = self._clock
                return
            for sku in skus:
                self._rows.pop(sku, None)
                self._dropped_at[sku] = self._clock
