"""The promise service: a stock snapshot from the ledger, the network from the database, and the
promise planner. Reads stock; reserves nothing."""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any

import numpy as np
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from oms.db import ledger
from oms.db.changes import StockLevels
from oms.domain.errors import OmsError, ValidationError
from oms.inventory.errors import UnknownSku
from oms.inventory.model import Node, Sku, StockItem
from oms.promise import FRENCH_HOLIDAYS, NodeCalendar
from oms.promise.option_dates import OptionDates
from oms.promise.options import Cart, PromiseResult, promise
from oms.promise.stock_cache import NO_ROW, StockCache
from oms.sourcing.contract import Settings
from oms.sourcing.network import Network, NodeInfo
from oms.sourcing.online import OnlineSourcer

log = logging.getLogger("oms.promise")
SOURCING = Settings(split_penalty=1.5, unfilled_penalty=100.0, allow_transfers=True)


def node_calendar(fields: Mapping[str, Any]) -> NodeCalendar:
    """A node's calendar from its stored fields; ValidationError naming each bad field. The API
    checks a node with this before writing it, and the network loads it with this: one rule."""
    problems: list[str] = []

    def parse(name: str, read: Callable[[Any], Any]) -> Any:
        try:
            return read(fields[name])
        except (TypeError, ValueError, KeyError):
            problems.append(f"{name}: cannot read {fields.get(name)!r}")
            return None

    holidays = parse("holidays", lambda days: frozenset(date.fromisoformat(d) for d in days))
    clocks = {n: parse(n, time.fromisoformat) for n in ("cutoff_time", "opens", "closes")}
    open_days = parse("open_days", lambda days: frozenset(int(c) for c in days))
    if problems:
        raise ValidationError(problems)
    return NodeCalendar(
        timezone=fields["timezone"],
        cutoff=clocks["cutoff_time"],
        processing_days=fields["processing_days"],
        open_days=open_days,
        holidays=holidays | FRENCH_HOLIDAYS,
        opens=clocks["opens"],
        closes=clocks["closes"],
        pick_lead=timedelta(minutes=fields["pick_lead_minutes"]),
        hold_days=fields["hold_days"],
    )


CALENDAR_FIELDS = (
    "timezone",
    "cutoff_time",
    "processing_days",
    "open_days",
    "holidays",
    "opens",
    "closes",
    "pick_lead_minutes",
    "hold_days",
)


def node_info(row: Node) -> NodeInfo:
    """The node as the network knows it. A row whose calendar cannot be read (written before
    the API checked calendars, or by hand) is logged and served as a disabled node with the
    default calendar: one bad row never takes the other nodes down."""
    enabled = row.enabled
    try:
        calendar = node_calendar({name: getattr(row, name) for name in CALENDAR_FIELDS})
    except OmsError as exc:
        log.error("node %r cannot be loaded, treated as disabled: %s", row.id, exc.detail)
        calendar, enabled = NodeCalendar(), False
    return NodeInfo(
        row.id,
        row.kind,
        row.lat,
        row.lon,
        row.can_ship,
        row.can_pickup,
        row.capacity_units,
        row.handling_cost,
        row.shipment_cost,
        row.cost_per_km,
        enabled,
        calendar,
    )


class NetworkCache:
    """The network and its sourcer, rebuilt when the nodes change, plus slow-moving reads.

    The node signature and the capacity left are re-read at most every `refresh_s` seconds:
    they change rarely, and a promise is advice (a hold re-checks stock). SKUs are kept once
    found."""

    def __init__(self, refresh_s: float = 1.0) -> None:
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._signature: tuple[object, ...] | None = None
        self._network: Network | None = None
        self._sourcer: OnlineSourcer | None = None
        self._dates: OptionDates | None = None
        self._checked = -math.inf
        self._skus: frozenset[str] = frozenset()
        self._capacity: tuple[float, np.ndarray | None] = (-math.inf, None)
        self.stock = StockCache(refresh_s)

    def changed(self, levels: StockLevels, nodes: bool) -> None:
        """A commit in this process wrote these stock rows and/or changed the nodes."""
        if levels:
            self.stock.apply(levels)
        if nodes:
            with self._lock:
                self._signature = None
                self._checked = -math.inf

    def get(self, session: Session) -> tuple[Network, OnlineSourcer]:
        now = monotonic()
        with self._lock:
            if self._network is not None and self._sourcer is not None and now < self._checked:
                return self._network, self._sourcer
        signature = tuple(
            session.execute(
                select(
                    func.count(Node.id), func.sum(cast(Node.enabled, Integer)), func.max(Node.id)
                )
            ).one()
        )
        with self._lock:
            if signature != self._signature or self._network is None or self._sourcer is None:
                rows = session.scalars(select(Node).order_by(Node.id))
                self._network = Network([node_info(r) for r in rows])
                self._sourcer = OnlineSourcer(self._network.arrays, SOURCING)
                self._dates = OptionDates(self._network)
                self._signature = signature
                self._capacity = (-math.inf, None)
            self._checked = now + self.refresh_s
            return self._network, self._sourcer

    def dates(self, network: Network) -> OptionDates:
        """The option dates kept for ``network`` (a new book when the network was rebuilt)."""
        book = self._dates
        if book is None or book.network is not network:
            book = OptionDates(network)
        return book

    def known_skus(self, session: Session, wanted: list[str]) -> frozenset[str]:
        """Every SKU known to exist, after looking up those of ``wanted`` not known yet (SKUs
        are never deleted: one found is kept for good, and no checkout re-reads the catalog)."""
        known = self._skus
        missing = [s for s in wanted if s not in known]
        if missing:
            found = session.scalars(select(Sku.id).where(Sku.id.in_(missing)))
            with self._lock:
                known = self._skus = self._skus | frozenset(found)
        return known

    def capacity_left(self, session: Session, network: Network) -> np.ndarray:
        at, cap = self._capacity
        if cap is None or monotonic() >= at or len(cap) != len(network):
            cap = capacity_left(session, network)
            self._capacity = (monotonic() + self.refresh_s, cap)
        return cap


def stock_snapshot(session: Session, network: Network, skus: list[str]) -> np.ndarray:
    """ATP as a [distinct SKU, node] array for the cart's SKUs."""
    return stock_and_versions(session, network, skus)[0]


def stock_and_versions(
    session: Session, network: Network, skus: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """ATP and row versions as [SKU, node] arrays; at disabled nodes too (the sourcer skips
    them by the network's flag), so the statement needs no join."""
    stock = np.zeros((len(skus), len(network)), dtype=np.int64)
    versions = np.full((len(skus), len(network)), NO_ROW, dtype=np.int64)
    row = {s: k for k, s in enumerate(skus)}
    for (node, sku), (qty, version) in ledger.atp_versions(session, skus).items():
        if node in network.index:
            stock[row[sku], network.index[node]] = qty
            versions[row[sku], network.index[node]] = version
    return stock, versions


def capacity_left(session: Session, network: Network) -> np.ndarray:
    """Capacity less the units already held at each node (work the node still has to do)."""
    held = dict(
        session.execute(
            select(StockItem.node_id, func.sum(StockItem.reserved)).group_by(StockItem.node_id)
        ).all()
    )
    left = network.capacity.copy()
    for node, units in held.items():
        if node in network.index:
            left[network.index[node]] -= int(units or 0)
    return np.maximum(left, 0)


def check_skus(
    session: Session, line_skus: list[str], cache: NetworkCache | None = None
) -> list[str]:
    """The distinct SKUs of a cart, in order; UnknownSku for the first one not in the catalog."""
    skus = list(dict.fromkeys(line_skus))
    if cache is not None:
        known: frozenset[str] | set[str] = cache.known_skus(session, skus)
    else:
        known = set(session.scalars(select(Sku.id).where(Sku.id.in_(skus))))
    for sku in skus:
        if sku not in known:
            raise UnknownSku(sku)
    return skus


@dataclass(slots=True)
class CartSnapshot:
    """What sourcing a cart needs, read once: the network, its sourcer, the cart as arrays,
    the ATP of the cart's SKUs and the capacity left."""

    network: Network
    sourcer: OnlineSourcer
    cart: Cart
    stock: np.ndarray
    capacity: np.ndarray


def snapshot_cart(
    session: Session,
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
    skus = check_skus(session, [s for s, _ in lines], cache)
    network, sourcer = cache.get(session)
    row = {s: k for k, s in enumerate(skus)}
    cart = Cart(
        skus=[s for s, _ in lines],
        sku_index=np.array([row[s] for s, _ in lines], dtype=np.int64),
        qty=np.array([q for _, q in lines], dtype=np.int64),
        lat=lat,
        lon=lon,
    )
    if cached_stock:
        stock = cache.stock.atp(network, skus, lambda n, s: stock_and_versions(session, n, s))
    else:
        stock = stock_snapshot(session, network, skus)
    return CartSnapshot(
        network,
        sourcer,
        cart,
        stock,
        cache.capacity_left(session, network),  # capacity is a soft input: a second old is fine
    )


def promise_for(
    session: Session,
    cache: NetworkCache,
    lines: list[tuple[str, int]],
    lat: float,
    lon: float,
    now: datetime | None = None,
) -> PromiseResult:
    snap = snapshot_cart(session, cache, lines, lat, lon, cached_stock=True)
    return promise(
        snap.network,
        snap.sourcer,
        snap.stock,
        snap.capacity,
        snap.cart,
        now or datetime.now(UTC),
        cache.dates(snap.network),
    )
