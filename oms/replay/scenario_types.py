"""A validated scenario (the file format is documented in scenarios/README.md).

Times inside a scenario are seconds since the clock's start (`at_s`, `arrival_s`); `Clock` turns
them back into instants and wall-clock labels. Nodes and SKUs are indices into `network`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from oms.promise import NodeCalendar
from oms.sourcing.contract import F64, B, Orders, Problem

SECONDS_PER_HOUR = 3600.0


@dataclass(frozen=True)
class Clock:
    """The simulated day: from `start` to `end` on `day`, in the network's time zone."""

    day: date
    timezone: str  # IANA name
    start: datetime  # timezone-aware, local
    end: datetime
    tick_s: float  # bucket width of the KPI-over-time series

    @property
    def horizon_s(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def start_of_day_s(self) -> int:
        """Seconds from local midnight to the start (wall clock)."""
        return self.start.hour * 3600 + self.start.minute * 60 + self.start.second

    def instant(self, seconds: float) -> datetime:
        """The UTC instant `seconds` after the start."""
        return (self.start + timedelta(seconds=seconds)).astimezone(UTC)

    def label(self, seconds: float, fmt: str = "%H:%M") -> str:
        """Local wall-clock time, HH:MM (or as `fmt` says)."""
        return (self.start + timedelta(seconds=seconds)).strftime(fmt)


@dataclass(frozen=True)
class DemandModel:
    """Seeded order generator; every list is a set of weights (normalised when drawn)."""

    orders: int
    hourly_weights: tuple[float, ...]  # 24: arrival intensity per local hour of the day
    lines_per_order: tuple[float, ...]  # weights of 1, 2, ... lines
    units_per_line: tuple[float, ...]  # weights of 1, 2, ... units
    max_shipments: tuple[float, ...]  # weights of: no limit, 1, 2, ... shipments
    pickup_share: float
    sku_weights: F64  # per SKU of the network (its sku_ids order)
    express_share: float = 0.0  # share of ship orders whose customer chose express


@dataclass(frozen=True)
class OrderStream:
    """Explicit orders (from a CSV file) in arrival order."""

    arrival_s: F64
    orders: Orders
    path: Path
    express: B | None = None  # per order: the customer chose express (None: nobody did)


@dataclass(frozen=True)
class Outage:
    at_s: float
    nodes: tuple[int, ...]


@dataclass(frozen=True)
class Recovery:
    at_s: float
    nodes: tuple[int, ...]


@dataclass(frozen=True)
class Receipt:
    at_s: float
    node: int
    sku: int
    qty: int


@dataclass(frozen=True)
class Adjustment:
    """The system's count of a SKU at a node changes by ``delta`` (a count, damage, a sync;
    never below 0): what a live day's stock falls are replayed as."""

    at_s: float
    node: int
    sku: int
    delta: int


@dataclass(frozen=True)
class CapacityChange:
    """Sets the nodes' daily capacity (`capacity`, None: no limit) or scales it (`factor`)."""

    at_s: float
    nodes: tuple[int, ...]
    capacity: int | None
    factor: float | None


@dataclass(frozen=True)
class ReturnsRateChange:
    at_s: float
    rate: float


Event = Outage | Recovery | Receipt | Adjustment | CapacityChange | ReturnsRateChange


@dataclass(frozen=True)
class Accuracy:
    """Share of stock records whose system count is right, per node kind; a wrong record holds
    1..max_missing units fewer on the shelf than in the system."""

    by_kind: dict[str, float]
    max_missing: int


@dataclass(frozen=True)
class Returns:
    rate: float  # share of filled lines returned (until a returns_rate event changes it)
    store_share: float  # share of home-delivered returns brought back to a store


@dataclass(frozen=True)
class WaveSettings:
    period_s: float
    time_limit_s: float


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    seed: int
    clock: Clock
    network: Problem  # nodes, settings, stock at the start and every SKU; no orders
    demand: DemandModel | OrderStream
    events: tuple[Event, ...]  # by time; at equal times, in file order
    calendars: dict[str, NodeCalendar]  # per node kind
    accuracy: Accuracy | None
    returns: Returns | None
    wave: WaveSettings
    bound_time_limit_s: float
