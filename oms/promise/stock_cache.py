"""ATP rows kept between checkouts, so a promise (and a reservation's first plan) costs no SQL on
a warm SKU.

Commits in this process write through: each stock row they changed comes with its new ATP and
row version (oms.db.changes), and the kept row takes it if it is newer than what it holds, so the
next checkout sees the units a reservation took without reading them again. Writes by other
processes show within ``ttl_s``. A read that raced a commit for a SKU not kept is used once and
not kept (its values may predate the commit)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from itertools import islice
from time import monotonic

import numpy as np

from oms import metrics
from oms.promise.ports import StockLevels
from oms.sourcing.network import Network

REFRESH_AHEAD = 0.5  # a read also refreshes kept SKUs in the last half of their life
MAX_REFRESH = 256  # at most this many of them per read
NO_ROW = -1  # the version of a stock row that does not exist (ATP 0): any real row is newer

# Reads the ATP and row versions of some SKUs, each a [sku, node] array over the network's nodes.
StockReader = Callable[[Network, list[str]], tuple[np.ndarray, np.ndarray]]


class StockCache:
    def __init__(self, ttl_s: float = 1.0) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        # sku -> (network it was read for, expiry, ATP per node, row version per node)
        self._rows: dict[str, tuple[Network, float, np.ndarray, np.ndarray]] = {}
        # Change clock: a read that started before a SKU (not kept) changed is not kept.
        self._clock = 0
        self._changed_at: dict[str, int] = {}
        self._all_dropped_at = 0
        self._used: dict[str, float] = {}  # sku -> when a checkout last asked for it

    def atp(self, network: Network, skus: list[str], read: StockReader) -> np.ndarray:
        """ATP as a [len(skus), nodes] array; reads only when some are missing or stale, and
        then, in the same statement, the kept SKUs in the last part of their life."""
        now = monotonic()
        out = np.empty((len(skus), len(network)), dtype=np.int64)
        missing: list[int] = []
        with self._lock:
            started = self._clock
            for k, sku in enumerate(skus):
                self._used[sku] = now
                hit = self._rows.get(sku)
                if hit is not None and hit[0] is network and hit[1] > now:
                    out[k] = hit[2]
                else:
                    missing.append(k)
            along = self._expiring(network, now, set(skus)) if missing else []
        metrics.STOCK_CACHE_HITS.inc(len(skus) - len(missing))
        if missing:
            metrics.STOCK_CACHE_MISSES.inc(len(missing))
            wanted = [skus[k] for k in missing] + along
            fresh, versions = read(network, wanted)
            out[missing] = fresh[: len(missing)]
            self._keep(network, wanted, fresh, versions, started, now)
        return out

    def apply(self, levels: StockLevels) -> None:
        """Committed stock rows: a kept row takes each one newer than what it holds."""
        with self._lock:
            self._clock += 1
            for (node, sku), (atp, version) in levels.items():
                hit = self._rows.get(sku)
                if hit is None:
                    self._changed_at[sku] = self._clock
                    continue
                network, _, row, versions = hit
                i = network.index.get(node)
                if i is not None and version > versions[i]:
                    row[i], versions[i] = atp, version

    def drop(self) -> None:
        """Forget every SKU; reads already under way are not kept either."""
        with self._lock:
            self._clock += 1
            self._rows.clear()
            self._changed_at.clear()
            self._used.clear()
            self._all_dropped_at = self._clock

    def _expiring(self, network: Network, now: float, but: set[str]) -> list[str]:
        """Kept SKUs asked for within their time to live and due within REFRESH_AHEAD of it:
        a hot set read together is refreshed by one statement a period rather than one per
        SKU (each a pause of the event loop that serves checkout); cold SKUs are left to
        expire."""
        soon, recent = now + self.ttl_s * REFRESH_AHEAD, now - self.ttl_s
        due = (s for s, (net, at, _, _) in self._rows.items() if net is network and at <= soon)
        hot = (s for s in due if s not in but and self._used.get(s, -math.inf) >= recent)
        return list(islice(hot, MAX_REFRESH))

    def _keep(
        self,
        network: Network,
        skus: list[str],
        rows: np.ndarray,
        versions: np.ndarray,
        started: int,
        now: float,
    ) -> None:
        with self._lock:
            if self._all_dropped_at > started:
                return
            for sku, row, version in zip(skus, rows, versions, strict=True):
                if self._changed_at.get(sku, -1) > started:
                    continue
                hit = self._rows.get(sku)
                if hit is not None and hit[0] is network:  # a commit may have written since
                    newer = hit[3] > version
                    row, version = np.where(newer, hit[2], row), np.maximum(hit[3], version)
                self._rows[sku] = (network, now + self.ttl_s, row.copy(), version.copy())
