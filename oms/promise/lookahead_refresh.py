"""The look-ahead policy's price refresh, off the request path: forecast today's remaining
demand from the order history, price stock and capacity by the duals of the transportation LP
(`oms.sourcing.lookahead`), publish the prices on the process's board.

A refresh reads the network, the ATP of every SKU the forecast wants at every node and the
capacity left (held units taken off), solves (a few seconds on 64 nodes x 300 SKUs) and swaps
the board's prices; requests never wait for it. A failed refresh is logged and leaves the last
prices in place.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime

import numpy as np

from oms import metrics
from oms.promise.demand_estimate import (
    history_arrays,
    history_windows,
    network_timezone,
    same_weekday_lines,
    seconds_into_day,
)
from oms.promise.lookahead_prices import BoardPrices
from oms.promise.ports import PriceSource
from oms.promise.service import SOURCING, NetworkCache, capacity_left, stock_and_versions
from oms.sourcing.contract import Nodes
from oms.sourcing.lookahead import prices_after
from oms.sourcing.network import Network

log = logging.getLogger("oms.promise")
OpenReads = Callable[[], AbstractContextManager[PriceSource]]


def contract_nodes(network: Network) -> Nodes:
    """The network's nodes as the sourcing contract's arrays (same order)."""
    ns = network.nodes

    def col(name: str, dtype: type) -> np.ndarray:
        return np.array([getattr(n, name) for n in ns], dtype=dtype)

    return Nodes(
        ids=list(network.ids),
        kind=[n.kind for n in ns],
        lat=col("lat", np.float64),
        lon=col("lon", np.float64),
        can_ship=col("can_ship", np.bool_),
        can_pickup=col("can_pickup", np.bool_),
        capacity=network.capacity.copy(),
        handling_cost=col("handling_cost", np.float64),
        shipment_cost=col("shipment_cost", np.float64),
        cost_per_km=col("cost_per_km", np.float64),
        index=dict(network.index),
    )


def compute_prices(
    source: PriceSource, cache: NetworkCache, *, weeks: int, now: datetime
) -> BoardPrices:
    """Prices for the rest of `now`'s day from the same weekday's orders of the last `weeks`."""
    started = time.perf_counter()
    network, _ = cache.get(source)
    nodes = contract_nodes(network)
    zone = network_timezone(network)
    rows = source.demand_history.lines_between(history_windows(now, weeks, zone))
    history = history_arrays(rows, nodes, zone)
    skus = history.sku_ids
    about = {"computed_at": now, "history_orders": len(history.orders)}
    if not skus or not len(network):  # nothing to price
        unit = np.zeros((len(skus), len(network)))
        return BoardPrices.of(skus, network.ids, unit, elapsed_s=_since(started), **about)
    lines = same_weekday_lines(history, nodes, weeks)
    stock, _ = stock_and_versions(source, network, skus)
    enabled = np.array([n.enabled for n in network.nodes], dtype=np.bool_)
    prices = prices_after(
        nodes,
        SOURCING,
        stock,
        capacity_left(source, network),
        enabled,
        lines,
        seconds_into_day(now, zone),
    )
    return BoardPrices.of(
        skus,
        network.ids,
        prices.unit,
        elapsed_s=_since(started),
        forecast_units=prices.forecast_units,
        optimal=prices.optimal,
        **about,
    )


def _since(started: float) -> float:
    return time.perf_counter() - started


def refresh_once(
    open_reads: OpenReads, cache: NetworkCache, *, weeks: int, now: datetime | None = None
) -> BoardPrices:
    """Compute the prices now and publish them on the cache's board."""
    with open_reads() as reads:
        prices = compute_prices(reads, cache, weeks=weeks, now=now or datetime.now(UTC))
    cache.board.publish(prices)
    metrics.LOOKAHEAD_REFRESH_SECONDS.observe(prices.elapsed_s)
    log.info(
        "look-ahead prices: %d priced (SKU, node) pairs over %d SKUs, %.1f units to come, %.2f s",
        prices.priced_pairs,
        len(prices.sku_ids),
        prices.forecast_units,
        prices.elapsed_s,
    )
    return prices


def refresh_forever(
    open_reads: OpenReads,
    cache: NetworkCache,
    stop: threading.Event,
    *,
    weeks: int,
    every_s: float,
    after: threading.Event | None = None,
) -> None:
    """A refresh at once (once `after` is set: the kernels warm, say), then every `every_s`
    seconds until `stop` is set."""
    while after is not None and not after.wait(1.0):
        if stop.is_set():
            return
    while True:
        try:
            refresh_once(open_reads, cache, weeks=weeks)
        except Exception as exc:  # a bad moment (an empty database at start): try next time
            log.exception("look-ahead price refresh failed (the last prices stay)")
            cache.board.failed(datetime.now(UTC), f"{type(exc).__name__}: {exc}")
        if stop.wait(every_s):
            return
