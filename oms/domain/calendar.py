"""Node calendars and the ship date: when does a parcel leave a warehouse or a store?

All instants in and out are timezone-aware (naive datetimes are refused); every rule is decided on
the node's local wall clock, so a cut-off at 14:00 stays 14:00 across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from oms.domain.errors import ValidationError

MONDAY, SATURDAY, SUNDAY = 0, 5, 6
MON_TO_SAT: frozenset[int] = frozenset(range(MONDAY, SUNDAY))
# Any real calendar has an open day within a few weeks; the cap turns a pathological holiday set
# into an error instead of an endless loop.
MAX_SEARCH_DAYS = 3660


@dataclass(frozen=True)
class NodeCalendar:
    """Working calendar of a fulfilment node (warehouse or store), in its own time zone.

    The node works on `open_days` outside `holidays`, between `opens` and `closes` local time.
    Orders placed before `cutoff` on an open day leave that day (plus `processing_days` open days).
    Stores also use `pick_lead` (picking time for click-and-collect) and `hold_days` (how many open
    days a ready order waits for its customer).
    """

    timezone: str = "Europe/Paris"
    cutoff: time = time(14, 0)
    processing_days: int = 0
    open_days: frozenset[int] = MON_TO_SAT
    holidays: frozenset[date] = frozenset()
    opens: time = time(9, 0)
    closes: time = time(20, 0)
    pick_lead: timedelta = timedelta(hours=2)
    hold_days: int = 7
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept any iterable of days so callers may pass sets; stored frozen to stay hashable.
        object.__setattr__(self, "open_days", frozenset(self.open_days))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        problems = _calendar_problems(self)
        if problems:
            raise ValidationError(problems)
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))

    def is_open(self, day: date) -> bool:
        """True when the node works on this local date."""
        return day.weekday() in self.open_days and day not in self.holidays

    def local(self, instant: datetime, name: str = "now_utc") -> datetime:
        """The instant on the node's wall clock (refusing naive datetimes)."""
        return require_aware(instant, name).astimezone(self.zone)

    def at(self, day: date, clock: time) -> datetime:
        """The UTC instant of a local wall-clock time on a local date."""
        return datetime.combine(day, clock, tzinfo=self.zone).astimezone(UTC)


def _timezone_problems(name: str) -> list[str]:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return [f"timezone: unknown IANA time zone {name!r}"]
    return []


def _clock_problems(cal: NodeCalendar) -> list[str]:
    problems = [
        f"{name}: must be a local wall-clock time without tzinfo"
        for name, value in (("cutoff", cal.cutoff), ("opens", cal.opens), ("closes", cal.closes))
        if value.tzinfo is not None
    ]
    if problems:
        return problems
    if cal.opens >= cal.closes:
        problems.append(f"opens: {cal.opens} must be before closes {cal.closes}")
    elif not cal.opens < cal.cutoff <= cal.closes:
        problems.append(f"cutoff: {cal.cutoff} must be in (opens {cal.opens}, closes {cal.closes}]")
    return problems


def _day_problems(cal: NodeCalendar) -> list[str]:
    problems = []
    if not cal.open_days:
        problems.append("open_days: at least one weekday must be open")
    bad = sorted(d for d in cal.open_days if not (isinstance(d, int) and MONDAY <= d <= SUNDAY))
    if bad:
        problems.append(f"open_days: weekdays are 0 (Monday) to 6 (Sunday), got {bad}")
    if cal.processing_days < 0:
        problems.append(f"processing_days: must be >= 0, got {cal.processing_days}")
    if cal.hold_days < 1:
        problems.append(f"hold_days: must be >= 1, got {cal.hold_days}")
    if cal.pick_lead < timedelta(0):
        problems.append(f"pick_lead: must be >= 0, got {cal.pick_lead}")
    return problems


def _calendar_problems(cal: NodeCalendar) -> list[str]:
    # Collect every problem so the caller fixes them in one go (house rule).
    return _timezone_problems(cal.timezone) + _clock_problems(cal) + _day_problems(cal)


def require_aware(instant: datetime, name: str) -> datetime:
    """Return the instant, or refuse it when naive (its meaning would depend on the host)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError([f"{name}: must be a timezone-aware datetime, got naive {instant}"])
    return instant


def first_day(start: date, counts: Callable[[date], bool]) -> date:
    """`start` if it counts, else the next day that does."""
    day = start
    for _ in range(MAX_SEARCH_DAYS):
        if counts(day):
            return day
        day += timedelta(days=1)
    raise ValidationError([f"holidays: no working day within {MAX_SEARCH_DAYS} days of {start}"])


def nth_day_after(start: date, n: int, counts: Callable[[date], bool]) -> date:
    """The n-th counting day strictly after `start` (`start` itself when n == 0)."""
    day = start
    for _ in range(n):
        day = first_day(day + timedelta(days=1), counts)
    return day


def ship_date(cal: NodeCalendar, now_utc: datetime) -> date:
    """Local date the parcel leaves the node for an order placed at `now_utc`.

    Today if it is an open day and the local time is before the cut-off, else the next open day;
    then `processing_days` more open days.
    """
    local = cal.local(now_utc)
    today = local.date()
    if cal.is_open(today) and local.time() < cal.cutoff:
        first = today
    else:
        first = first_day(today + timedelta(days=1), cal.is_open)
    return nth_day_after(first, cal.processing_days, cal.is_open)
