"""Omnichannel KPIs on live data: the facts of a period (`ports.KpiFacts`) through the rules the
replay uses too (`rules`), for the whole period and per day or week.

Orders count in the bucket they were placed in, returns in the one they were requested in,
promises in the hour they were asked, counts when they were made. Buckets start at 00:00 UTC
(weeks on Monday); the first starts at or before ``from``, and only what falls in
[``from``, ``to``) is counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

import numpy as np

from oms.domain.errors import ValidationError
from oms.kpis import rules
from oms.kpis.ports import KpisUnitOfWork, OrderFact
from oms.kpis.rules import NO_DATE, B, Percentiles, Rate
from oms.promise.outcomes import PromiseOutcomes

MAX_SPAN = timedelta(days=366)
NO_COUNTS = "no counts recorded"
T = TypeVar("T")

# One line each: the README's "Live KPIs" and the API's description show these.
DEFINITIONS: dict[str, str] = {
    "orders_by_channel": "orders placed in the period, by the channel they were bought in "
    "(web, app, store, marketplace).",
    "omnichannel_share": "orders that cross channels (bought in a store through the OMS: "
    "store-to-web; or bought elsewhere and collected in a store, supplied by a store, or "
    "returned in a store) / orders placed.",
    "availability_rate": "order lines of promise requests whose whole quantity the network "
    "could supply when promised / order lines asked for (promises tallied per hour).",
    "processing_hours": "hours from an order's placing until every live shipment has shipped "
    "(or, for a pickup, until it is ready for pickup): median and 90th percentile.",
    "on_time_rate": "orders due (delivered or ready, or past their promise) whose last "
    "shipment is delivered (or ready in store) on or before the date promised when ordered "
    "/ orders due.",
    "order_error_rate": "orders with a short pick or a return for the wrong item / orders "
    "placed (store rejections will count once they are recorded).",
    "cross_channel_return_rate": "returns brought back through another channel than they "
    "were bought in (web order into a store, store order by mail) / returns requested.",
    "stock_accuracy": "counted stock records holding units in the system whose system count "
    "equals the count / counted stock records holding units (null when no count exists).",
}


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime
    bucket: Bucket = Bucket.DAY

    def starts(self) -> list[datetime]:
        """Each bucket's start, the first at or before ``start``."""
        day = self.start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        step = timedelta(days=1)
        if self.bucket is Bucket.WEEK:
            day -= timedelta(days=day.weekday())
            step = timedelta(days=7)
        out = []
        while day < self.end:
            out.append(day)
            day += step
        return out


def parse_window(start: str | None, end: str | None, bucket: str | None = None) -> Window:
    """The period asked for: aware ISO 8601 instants, ``from`` before ``to``, at most 366
    days; every problem named by its parameter."""
    problems: list[str] = []
    a, b = _instant("from", start, problems), _instant("to", end, problems)
    if bucket is not None and bucket not in set(Bucket):
        problems.append(f"bucket: must be day or week, got {bucket[:40]!r}")
    if a is not None and b is not None:
        if b <= a:
            problems.append("to: must be after from")
        elif b - a > MAX_SPAN:
            problems.append(f"to: at most {MAX_SPAN.days} days after from")
    if problems or a is None or b is None:
        raise ValidationError(problems)
    return Window(a, b, Bucket(bucket or Bucket.DAY))


def _instant(name: str, text: str | None, problems: list[str]) -> datetime | None:
    if not text:
        problems.append(f"{name}: required, an ISO 8601 instant with its offset")
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}: not an ISO 8601 instant: {text[:40]!r}")
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        problems.append(f"{name}: must carry its offset (2026-09-01T00:00:00Z), got {text[:40]!r}")
        return None
    return at.astimezone(UTC)


# ------------------------------------------------------------------------ the answer


@dataclass(frozen=True)
class Kpi(Generic[T]):
    """A KPI over the whole period, and per bucket (its start, its value there)."""

    total: T
    series: list[tuple[datetime, T]]
    reason: str | None = None  # why the value is null, when it says more than "no data"


@dataclass(frozen=True)
class LiveKpis:
    window: Window
    orders_by_channel: Kpi[dict[str, int]]
    omnichannel_share: Kpi[Rate]
    availability_rate: Kpi[Rate]
    processing_hours: Kpi[Percentiles]
    on_time_rate: Kpi[Rate]
    order_error_rate: Kpi[Rate]
    cross_channel_return_rate: Kpi[Rate]
    stock_accuracy: Kpi[Rate]


def kpis_asked(
    uow: KpisUnitOfWork,
    start: str | None,
    end: str | None,
    bucket: str | None = None,
    *,
    outcomes: PromiseOutcomes | None = None,
    now: datetime | None = None,
) -> LiveKpis:
    """The KPIs of the period a caller asked for, its bounds as given (`parse_window`)."""
    return live_kpis(uow, parse_window(start, end, bucket), now or datetime.now(UTC), outcomes)


def live_kpis(
    uow: KpisUnitOfWork,
    window: Window,
    now: datetime,
    outcomes: PromiseOutcomes | None = None,
) -> LiveKpis:
    """Every live KPI of the period. This process's promises since its last write are written
    first (``outcomes``), so the availability rate includes the last seconds."""
    if outcomes is not None:
        write_promise_outcomes(uow, outcomes)
    starts = window.starts()
    orders = uow.kpis.orders(window.start, window.end)
    slot = _slots(starts, [o.created_at for o in orders])
    return LiveKpis(
        window=window,
        orders_by_channel=_per_bucket(starts, slot, lambda m: _channels(orders, m)),
        omnichannel_share=_omnichannel(orders, starts, slot),
        availability_rate=_availability(uow, window, starts),
        processing_hours=_processing(orders, starts, slot),
        on_time_rate=_on_time(orders, starts, slot, now),
        order_error_rate=_errors(orders, starts, slot),
        cross_channel_return_rate=_returns(uow, window, starts),
        stock_accuracy=_stock_accuracy(uow, window, starts),
    )


def write_promise_outcomes(uow: KpisUnitOfWork, outcomes: PromiseOutcomes) -> int:
    """Add this process's promise tallies to the database, committed; how many hours. What
    could not be written goes back into the tally."""
    tallies = outcomes.drain()
    if not tallies:
        return 0
    try:
        uow.kpis.add_promise_tallies(tallies)
        uow.commit()
    except Exception:
        outcomes.restore(tallies)
        raise
    return len(tallies)


# ------------------------------------------------------------------------ each KPI


def _channels(orders: Sequence[OrderFact], mask: B) -> dict[str, int]:
    return dict(sorted(Counter(o.channel for o, m in zip(orders, mask, strict=True) if m).items()))


def _omnichannel(orders: Sequence[OrderFact], starts: list[datetime], slot: rules.I64) -> Kpi[Rate]:
    crosses = rules.crosses_channels(
        _flags(orders, lambda o: o.channel == "store"),
        _flags(orders, lambda o: o.pickup),
        _flags(orders, lambda o: o.supplied_by_store),
        _flags(orders, lambda o: o.returned_in_store),
    )
    sourced = np.ones(len(orders), dtype=np.bool_)
    return _per_bucket(starts, slot, lambda m: rules.omnichannel_share(crosses, sourced & m))


def _availability(uow: KpisUnitOfWork, window: Window, starts: list[datetime]) -> Kpi[Rate]:
    tallies = uow.kpis.promise_tallies(window.start, window.end)
    lines = np.array([t.lines for t in tallies], dtype=np.int64)
    available = np.array([t.available for t in tallies], dtype=np.int64)
    slot = _slots(starts, [t.hour for t in tallies])
    return _per_bucket(
        starts,
        slot,
        lambda m: rules.availability_rate(int(available[m].sum()), int(lines[m].sum())),
    )


def _processing(
    orders: Sequence[OrderFact], starts: list[datetime], slot: rules.I64
) -> Kpi[Percentiles]:
    done = _flags(orders, lambda o: o.done_at is not None)
    hours = np.array(
        [(o.done_at - o.created_at).total_seconds() / 3600.0 if o.done_at else 0.0 for o in orders],
        dtype=np.float64,
    )
    return _per_bucket(starts, slot, lambda m: rules.percentiles(hours[done & m]))


def _on_time(
    orders: Sequence[OrderFact], starts: list[datetime], slot: rules.I64, now: datetime
) -> Kpi[Rate]:
    promised = np.array([_ordinal(o.promised_at, o.zone) for o in orders], dtype=np.int64)
    actual = np.array([_ordinal(o.arrived_at, o.zone) for o in orders], dtype=np.int64)
    today = np.array([_ordinal(now, o.zone) for o in orders], dtype=np.int64)
    # Due: done, or past the date promised (an order without a promise is due once done).
    due = (actual != NO_DATE) | ((promised != NO_DATE) & (today > promised))
    return _per_bucket(starts, slot, lambda m: rules.on_time_rate(due & m, promised, actual))


def _errors(orders: Sequence[OrderFact], starts: list[datetime], slot: rules.I64) -> Kpi[Rate]:
    short = _flags(orders, lambda o: o.short_picked)
    wrong_item = _flags(orders, lambda o: o.wrong_item_returned)
    sourced = np.ones(len(orders), dtype=np.bool_)
    return _per_bucket(
        starts, slot, lambda m: rules.order_error_rate(sourced & m, short, wrong_item)
    )


def _returns(uow: KpisUnitOfWork, window: Window, starts: list[datetime]) -> Kpi[Rate]:
    found = uow.kpis.returns(window.start, window.end)
    cross = np.array([r.cross_channel for r in found], dtype=np.bool_)
    slot = _slots(starts, [r.created_at for r in found])
    return _per_bucket(starts, slot, lambda m: rules.cross_channel_return_rate(cross[m]))


def _stock_accuracy(uow: KpisUnitOfWork, window: Window, starts: list[datetime]) -> Kpi[Rate]:
    counts = uow.kpis.stock_counts(window.start, window.end)
    system = np.array([c.system for c in counts], dtype=np.int64)
    counted = np.array([c.counted for c in counts], dtype=np.int64)
    slot = _slots(starts, [c.counted_at for c in counts])
    kpi = _per_bucket(starts, slot, lambda m: rules.stock_accuracy(system[m], counted[m]))
    if counts:
        return kpi
    return Kpi(kpi.total, kpi.series, NO_COUNTS)


# ------------------------------------------------------------------------ buckets


def _slots(starts: list[datetime], times: Sequence[datetime]) -> rules.I64:
    """Each item's bucket (its index in ``starts``)."""
    edges = np.array([s.timestamp() for s in starts], dtype=np.float64)
    at = np.array([t.timestamp() for t in times], dtype=np.float64)
    return np.searchsorted(edges, at, side="right").astype(np.int64) - 1


def _per_bucket(starts: list[datetime], slot: rules.I64, value: Callable[[B], T]) -> Kpi[T]:
    """The KPI over every item, and over each bucket's items."""
    everything = np.ones(len(slot), dtype=np.bool_)
    series = [(start, value(slot == k)) for k, start in enumerate(starts)]
    return Kpi(value(everything), series)


def _flags(orders: Sequence[OrderFact], test: Callable[[OrderFact], bool]) -> B:
    return np.array([test(o) for o in orders], dtype=np.bool_)


def _ordinal(instant: datetime | None, zone: str) -> int:
    """The local date of an instant in ``zone`` as an ordinal (NO_DATE for none)."""
    if instant is None:
        return NO_DATE
    local: date = instant.astimezone(ZoneInfo(zone)).date()
    return local.toordinal()
