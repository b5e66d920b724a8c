"""What the records say about one past day, as plain facts: read from the database by its
adapter (``oms/db/day_history.py``) and made into a replayable scenario by
``oms/replay/export.py`` (``oms scenario export``). Standard library only, so that both sides
can name them without reaching each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class StockLevels:
    """One stock row's counts (the ledger's ``inventory`` row)."""

    on_hand: int
    reserved: int
    safety_stock: int

    @property
    def atp(self) -> int:
        """What the sourcer may allocate from the row (oms.inventory.atp: never below 0)."""
        return max(0, self.on_hand - self.reserved - self.safety_stock)


@dataclass(frozen=True)
class StockEntry:
    """One recorded stock change (a ``Stock*`` event): the row's levels after it, and what
    changed them (``details``: qty, delta, ref, previous ...)."""

    at: datetime
    node: str
    sku: str
    change: str  # the event's type: StockReserved, StockReceived, ...
    after: StockLevels
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeEntry:
    """One recorded node event (NodeAdded, NodeUpdated, NodeEnabled, NodeDisabled,
    StoreCapacityChanged) and its payload."""

    at: datetime
    node: str
    type: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ShipmentEntry:
    """A shipment created (an order sourced to ``node``): what a daily order limit counts."""

    at: datetime
    node: str
    order_id: str


@dataclass(frozen=True)
class DecisionLine:
    line_id: str
    sku: str
    qty: int


@dataclass(frozen=True)
class Decision:
    """A sourcing decision of the day: a reservation that was made then (directly, or by an
    order placed from lines) and still holds its units or became an order. ``order_id`` is the
    order's id, or the reservation's while it is not converted."""

    at: datetime  # when it was sourced: the reservation's creation
    order_id: str
    reservation_id: str
    pickup_node: str | None  # None: shipped to (lat, lon)
    lat: float
    lon: float
    express: bool
    lines: tuple[DecisionLine, ...]


@dataclass(frozen=True)
class DayHistory:
    """The facts a day's export needs.

    ``nodes`` are the node rows as they are now (a dict of their stored fields);
    ``stock_now`` every stock row's levels now; ``stock_before`` each row's last recorded
    change before the day; ``stock_after`` every recorded change from the day's start on (to
    now), oldest first; ``node_events`` every node event up to the day's end, oldest first;
    ``decisions`` the day's sourcing decisions, oldest first; ``day_reservations`` the id of
    every reservation created during the day (the holds and releases under their reference
    are decisions, or undone ones); ``shipments`` the shipments created during the day, oldest
    first (a node whose daily order limit they reach takes no more orders)."""

    nodes: list[dict[str, Any]]
    stock_now: dict[tuple[str, str], StockLevels]
    stock_before: dict[tuple[str, str], StockEntry]
    stock_after: list[StockEntry]
    node_events: list[NodeEntry]
    decisions: list[Decision]
    day_reservations: frozenset[str]
    shipments: list[ShipmentEntry] = field(default_factory=list)
