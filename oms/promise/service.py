"""The promise service: a stock snapshot from the ledger, the network from the database, and the
promise planner. Reads stock; reserves nothing."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic

import numpy as np

from oms.inventory.errors import UnknownSku
from oms.promise.lookahead_prices import PriceBoard
from oms.promise.nodes import node_info
from oms.promise.option_dates import OptionDates
from oms.promise.options import Cart, PromiseResult, promise
from oms.promise.outcomes import PromiseOutcomes
from oms.promise.ports import NetworkSource, StockLevels
from oms.promise.stock_cache import NO_ROW, StockCache
from oms.sourcing.contract import F64, Settings
from oms.sourcing.lookahead import steering_settings
from oms.sourcing.network import Network
from oms.sourcing.online import OnlineSourcer, OrderDecision, haversine_km

log = logging.getLogger("oms.promise")
SOURCING = Settings(split_penalty=1.5, unfilled_penalty=100.0, allow_transfers=True)
ONLINE, LOOKAHEAD = "online", "lookahead"
# Sourcers kept per steering penalty (a few hundred distinct ones at most between refreshes).
STEERING_KEPT = 256


class NetworkCache:
    """The network and its sourcer, rebuilt when the nodes change, plus slow-moving reads.

    The node signature, the nodes closed for orders (paused, or their daily order limit
    reached: served as disabled) and the capacity left are re-read at most every `refresh_s`
    seconds: they change rarely, and a promise is advice (a hold re-checks stock). SKUs are
    kept once found.

    ``policy`` is the live service's sourcing policy: "online", or "lookahead", where each
    request's units are priced by the ``board`` (oms/promise/lookahead_prices.py)."""

    def __init__(self, refresh_s: float = 1.0, policy: str = ONLINE) -> None:
        if policy not in (ONLINE, LOOKAHEAD):
            raise ValueError(f"unknown sourcing policy {policy!r}")
        self.refresh_s = refresh_s
        self.policy = policy
        self.board = PriceBoard()
        # Steering sourcers by unfilled penalty, for the network they were built on.
        self._steering: tuple[Network | None, dict[float, OnlineSourcer]] = (None, {})
        self._lock = threading.Lock()
        self._signature: tuple[object, ...] | None = None
        self._network: Network | None = None
        self._sourcer: OnlineSourcer | None = None
        self._dates: OptionDates | None = None
        self._checked = -math.inf
        self._skus: frozenset[str] = frozenset()
        self._capacity: tuple[float, np.ndarray | None] = (-math.inf, None)
        self.stock = StockCache(refresh_s)
        # What promises found available, per hour (the availability KPI's facts).
        self.outcomes = PromiseOutcomes()

    def changed(self, levels: StockLevels, nodes: bool) -> None:
        """A commit in this process wrote these stock rows and/or changed the nodes."""
        if levels:
            self.stock.apply(levels)
        if nodes:
            with self._lock:
                self._signature = None
                self._checked = -math.inf

    def get(self, source: NetworkSource) -> tuple[Network, OnlineSourcer]:
        now = monotonic()
        with self._lock:
            if self._network is not None and self._sourcer is not None and now < self._checked:
                return self._network, self._sourcer
        closed = source.nodes.closed_for_orders(datetime.now(UTC))
        signature = (*source.nodes.signature(), closed)
        with self._lock:
            if signature != self._signature or self._network is None or self._sourcer is None:
                rows = source.nodes.list_by(order_by="id")
                infos = [node_info(r, closed=r.id in closed) for r in rows]
                self._network = Network(infos, distance_km=haversine_km)
                self._sourcer = OnlineSourcer(self._network.arrays, SOURCING)
                self._dates = OptionDates(self._network)
                self._signature = signature
                self._capacity = (-math.inf, None)
            self._checked = now + self.refresh_s
            return self._network, self._sourcer

    def pricing(
        self, network: Network, sourcer: OnlineSourcer, skus: list[str]
    ) -> tuple[OnlineSourcer, F64 | None]:
        """The sourcer and unit prices [SKU row, node] of a request: ``sourcer`` and None under
        the online policy, or when the board prices none of the SKUs; else the prices and a
        sourcer whose unfilled penalty is raised by their largest (prices steer, never fill)."""
        if self.policy != LOOKAHEAD:
            return sourcer, None
        found = self.board.current.rows_and_top(skus, network.ids)
        if found is None:
            return sourcer, None
        price, top = found
        return self._steering_sourcer(network, top), price

    def _steering_sourcer(self, network: Network, top: float) -> OnlineSourcer:
        built_on, kept = self._steering
        if built_on is not network or len(kept) > STEERING_KEPT:
            kept = {}
            self._steering = (network, kept)
        found = kept.get(top)
        if found is None:
            priced = steering_settings(SOURCING, np.array([top]))
            found = kept[top] = OnlineSourcer(network.arrays, priced, _skip_warm_up=True)
        return found

    def dates(self, network: Network) -> OptionDates:
        """The option dates kept for ``network`` (a new book when the network was rebuilt)."""
        book = self._dates
        if book is None or book.network is not network:
            book = OptionDates(network)
        return book

    def known_skus(self, source: NetworkSource, wanted: list[str]) -> frozenset[str]:
        """Every SKU known to exist, after looking up those of ``wanted`` not known yet (SKUs
        are never deleted: one found is kept for good, and no checkout re-reads the catalog)."""
        known = self._skus
        missing = [s for s in wanted if s not in known]
        if missing:
            found = source.skus.existing(missing)
            with self._lock:
                known = self._skus = self._skus | frozenset(found)
        return known

    def capacity_left(self, source: NetworkSource, network: Network) -> np.ndarray:
        at, cap = self._capacity
        if cap is None or monotonic() >= at or len(cap) != len(network):
            cap = capacity_left(source, network)
            self._capacity = (monotonic() + self.refresh_s, cap)
        return cap


def stock_snapshot(source: NetworkSource, network: Network, skus: list[str]) -> np.ndarray:
    """ATP as a [distinct SKU, node] array for the cart's SKUs."""
    return stock_and_versions(source, network, skus)[0]


def stock_and_versions(
    source: NetworkSource, network: Network, skus: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """ATP and row versions as [SKU, node] arrays; at disabled nodes too (the sourcer skips
    them by the network's flag), so the statement needs no join."""
    stock = np.zeros((len(skus), len(network)), dtype=np.int64)
    versions = np.full((len(skus), len(network)), NO_ROW, dtype=np.int64)
    row = {s: k for k, s in enumerate(skus)}
    for (node, sku), (qty, version) in source.stock.atp_versions(skus).items():
        if node in network.index:
            stock[row[sku], network.index[node]] = qty
            versions[row[sku], network.index[node]] = version
    return stock, versions


def capacity_left(source: NetworkSource, network: Network) -> np.ndarray:
    """Capacity less the units already held at each node (work the node still has to do)."""
    held = source.stock.reserved_by_node()
    left = network.capacity.copy()
    for node, units in held.items():
        if node in network.index:
            left[network.index[node]] -= int(units or 0)
    return np.maximum(left, 0)


def check_skus(
    source: NetworkSource, line_skus: list[str], cache: NetworkCache | None = None
) -> list[str]:
    """The distinct SKUs of a cart, in order; UnknownSku for the first one not in the catalog."""
    skus = list(dict.fromkeys(line_skus))
    if cache is not None:
        known: frozenset[str] | set[str] = cache.known_skus(source, skus)
    else:
        known = set(source.skus.existing(skus))
    for sku in skus:
        if sku not in known:
            raise UnknownSku(sku)
    return skus


@dataclass(slots=True)
class CartSnapshot:
    """What sourcing a cart needs, read once: the network, its sourcer, the cart as arrays,
    the ATP of the cart's SKUs and the capacity left; under the look-ahead policy, the units'
    prices [SKU row, node] (None: online) and a sourcer steered by them."""

    network: Network
    sourcer: OnlineSourcer
    cart: Cart
    stock: np.ndarray
    capacity: np.ndarray
    unit_price: F64 | None = None

    def decide(self, pickup_node: int) -> OrderDecision:
        """The cart sourced against this snapshot, priced by the policy's prices if any
        (`pickup_node` -1: shipped to the cart's destination)."""
        c = self.cart
        return self.sourcer.source_order(
            self.stock,
            self.capacity,
            c.sku_index,
            c.qty,
            c.lat,
            c.lon,
            pickup_node=pickup_node,
            unit_price=self.unit_price,  # the look-ahead policy's prices (None: online)
        )


def snapshot_cart(
    source: NetworkSource,
    cache: NetworkCache,
    lines: list[tuple[str, int]],
    lat: float,
    lon: float,
    *,
    cached_stock: bool = False,
) -> CartSnapshot:
    """Known SKUs only (UnknownSku otherwise); one stock read for the distinct SKUs, or none
    with ``cached_stock`` when they are in the stock cache (a promise, or a reservation's first
    plan: its hold re-checks every unit)."""
    skus = check_skus(source, [s for s, _ in lines], cache)
    network, sourcer = cache.get(source)
    sourcer, unit_price = cache.pricing(network, sourcer, skus)
    row = {s: k for k, s in enumerate(skus)}
    cart = Cart(
        skus=[s for s, _ in lines],
        sku_index=np.array([row[s] for s, _ in lines], dtype=np.int64),
        qty=np.array([q for _, q in lines], dtype=np.int64),
        lat=lat,
        lon=lon,
    )
    if cached_stock:
        stock = cache.stock.atp(network, skus, lambda n, s: stock_and_versions(source, n, s))
    else:
        stock = stock_snapshot(source, network, skus)
    return CartSnapshot(
        network,
        sourcer,
        cart,
        stock,
        cache.capacity_left(source, network),  # capacity is a soft input: a second old is fine
        unit_price,
    )


def promise_for(
    source: NetworkSource,
    cache: NetworkCache,
    lines: list[tuple[str, int]],
    lat: float,
    lon: float,
    now: datetime | None = None,
) -> PromiseResult:
    snap = snapshot_cart(source, cache, lines, lat, lon, cached_stock=True)
    now = now or datetime.now(UTC)
    result = promise(
        snap.network,
        snap.sourcer,
        snap.stock,
        snap.capacity,
        snap.cart,
        now,
        cache.dates(snap.network),
        unit_price=snap.unit_price,
    )
    cache.outcomes.record(now, len(lines), len(result.shortfalls))
    return result
