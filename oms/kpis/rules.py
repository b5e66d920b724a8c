"""The omnichannel KPIs' rules, defined once: the replay (`oms.replay.kpis`) and the live KPIs
(`oms.kpis.service`) both compute through these functions, over plain facts (numpy arrays, one
item per order, line, return or stock record). Each function's docstring is its formula.

A rate is a `Rate`: numerator and denominator as counted, and its value (None when the
denominator is 0: no made-up number).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

B = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def rate(hits: B, over: B | None = None) -> Rate:
    """Items where ``hits`` holds among the items where ``over`` holds (every item if None)."""
    if over is None:
        return Rate(int(np.count_nonzero(hits)), len(hits))
    return Rate(int(np.count_nonzero(hits & over)), int(np.count_nonzero(over)))


def crosses_channels(
    bought_in_store: B, collected_in_store: B, supplied_by_store: B, returned_in_store: B
) -> B:
    """Per order: does it cross channels? An order bought in a store through the OMS is
    store-to-web (an associate orders from the network for the customer); one bought on the
    web, app or marketplace crosses when it is collected in a store, a store supplies any of
    its units (ship-from-store), or any of its units is returned in a store."""
    return bought_in_store | collected_in_store | supplied_by_store | returned_in_store


def omnichannel_share(crosses: B, sourced: B) -> Rate:
    """Sourced orders that cross channels (`crosses_channels`) / sourced orders."""
    return rate(crosses, sourced)


def availability_rate(available_lines: int, lines: int) -> Rate:
    """Order lines whose whole quantity was available when promised / order lines."""
    return Rate(available_lines, lines)


NO_DATE = -1  # an order with no promise or no actual date yet


def on_time_rate(due: B, promised: I64, actual: I64) -> Rate:
    """Orders due (sourced, and done or past their promise) whose last shipment arrives (or is
    ready in store) on or before the promised date / orders due. Dates are day ordinals; an
    order without a promise counts as late."""
    ok = (promised != NO_DATE) & (actual != NO_DATE) & (actual <= promised)
    return rate(ok, due)


def order_error_rate(sourced: B, *errors: B) -> Rate:
    """Sourced orders with at least one error (each flag one kind: a short pick, a rejection,
    a return for the wrong item) / sourced orders."""
    wrong = np.zeros(len(sourced), dtype=np.bool_)
    for flags in errors:
        wrong |= flags
    return rate(wrong, sourced)


def cross_channel_return_rate(cross_channel: B) -> Rate:
    """Returns that come back through another channel than the one they were bought in (a web
    purchase dropped off in a store, a store purchase mailed back; `oms.returns.policy`) /
    returns."""
    return rate(cross_channel)


def stock_accuracy(system: I64, counted: I64) -> Rate:
    """Stock records holding units in the system whose system count equals what is on the
    shelf (counted) / stock records holding units in the system."""
    return rate(system == counted, system > 0)


@dataclass(frozen=True)
class Percentiles:
    count: int
    p50: float | None
    p90: float | None


def percentiles(values: F64) -> Percentiles:
    """The median and 90th percentile (linear interpolation between ranks, numpy's default)."""
    if not len(values):
        return Percentiles(0, None, None)
    p50, p90 = np.percentile(values, [50.0, 90.0])
    return Percentiles(len(values), float(p50), float(p90))
