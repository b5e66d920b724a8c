"""Public holidays: Easter by the anonymous Gregorian algorithm and the French public holidays.

Holidays are plain `frozenset[date]` values so node calendars and carriers can take any country's
set; France is the default network, hence the ready-made `FRENCH_HOLIDAYS` for 2026-2027.
"""

from __future__ import annotations

from datetime import date, timedelta

from oms.domain.errors import ValidationError

# The Gregorian calendar starts in 1582; `date` stops at 9999.
FIRST_GREGORIAN_YEAR = 1583
LAST_YEAR = 9999


def _check_year(year: int) -> None:
    if not FIRST_GREGORIAN_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            [f"year: must be between {FIRST_GREGORIAN_YEAR} and {LAST_YEAR}, got {year}"]
        )


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (anonymous algorithm, a.k.a. Meeus/Jones/Butcher)."""
    _check_year(year)
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_holidays(year: int) -> frozenset[date]:
    """The eleven national public holidays of metropolitan France (no Alsace-Moselle extras)."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + timedelta(days=n) for n in (1, 39, 50)]  # Easter Mon, Ascension, Whit Mon
    return frozenset([date(year, m, d) for m, d in fixed] + movable)


FRENCH_HOLIDAYS: frozenset[date] = french_holidays(2026) | french_holidays(2027)
