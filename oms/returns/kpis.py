"""Returns KPIs: pure functions over simple records of returns.

- return rate = units returned / units delivered (0 when nothing was delivered);
- cross-channel return rate = returns that come back through another channel than the one they
  were bought in (web bought, store returned; store bought, mailed back) / all returns;
- processing time = received -> refunded (or exchanged), in hours, over returns that got there;
- restock time = received -> restocked, in hours, over returns with a restock.
Durations are summarised as count, mean and median (None when there is none).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from oms.kpis import rules
from oms.returns.policy import Channel, Method, return_channel


@dataclass(frozen=True)
class ReturnRecord:
    rma_id: str
    purchase_channel: Channel
    method: Method
    units: int
    requested_at: datetime
    received_at: datetime | None = None
    refunded_at: datetime | None = None  # refunded or exchanged
    restocked_at: datetime | None = None

    @property
    def cross_channel(self) -> bool:
        return return_channel(self.method) is not self.purchase_channel


@dataclass(frozen=True)
class Durations:
    count: int
    mean_hours: float | None
    median_hours: float | None


@dataclass(frozen=True)
class ReturnKpis:
    return_rate: float
    cross_channel_return_rate: float
    processing: Durations
    restock: Durations


def return_rate(units_returned: int, units_delivered: int) -> float:
    return units_returned / units_delivered if units_delivered > 0 else 0.0


def cross_channel_return_rate(returns: Sequence[ReturnRecord]) -> float:
    """`oms.kpis.rules.cross_channel_return_rate` (0.0 when there is no return)."""
    cross = np.array([r.cross_channel for r in returns], dtype=np.bool_)
    return rules.cross_channel_return_rate(cross).value or 0.0


def durations(pairs: Iterable[tuple[datetime | None, datetime | None]]) -> Durations:
    """Hours from start to end over the pairs where both are known."""
    hours = [(end - start).total_seconds() / 3600.0 for start, end in pairs if start and end]
    if not hours:
        return Durations(0, None, None)
    return Durations(len(hours), statistics.fmean(hours), statistics.median(hours))


def processing_time(returns: Iterable[ReturnRecord]) -> Durations:
    return durations((r.received_at, r.refunded_at) for r in returns)


def restock_time(returns: Iterable[ReturnRecord]) -> Durations:
    return durations((r.received_at, r.restocked_at) for r in returns)


def return_kpis(returns: Sequence[ReturnRecord], units_delivered: int) -> ReturnKpis:
    """All four KPIs of a period: its returns and the units delivered in it."""
    return ReturnKpis(
        return_rate=return_rate(sum(r.units for r in returns), units_delivered),
        cross_channel_return_rate=cross_channel_return_rate(returns),
        processing=processing_time(returns),
        restock=restock_time(returns),
    )
