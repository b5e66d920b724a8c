"""Scenario validation helpers: every fault is collected with the path of its field
(`events[2].at`), so that an analyst fixes a file in one pass.

The value checks themselves (numbers, ids, coordinates) are the contract's (`contract_checks`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from oms.domain.errors import ValidationError
from oms.sourcing import contract_checks as chk

MISSING = chk.MISSING
Check = Callable[[Any], str | None]
_CLOCK = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")
SECONDS_PER_DAY = 86_400


class Checker(chk.Problems):
    """Collects messages of the form `path: what is wrong`; a scenario's faults are
    ValidationErrors (the contract's own are ContractErrors)."""

    error = ValidationError

    def value(
        self,
        rec: Mapping[str, Any],
        key: str,
        path: str,
        check: Check,
        *,
        default: Any = MISSING,
    ) -> Any:
        """The field's value, or MISSING (reported) when absent without a default or invalid.
        A null counts as absent."""
        where = join(path, key)
        value = rec.get(key)
        if value is None:
            if default is MISSING:
                self.add(where, "missing field")
            return default
        error = check(value)
        if error:
            self.add(where, f"{error}, got {json.dumps(value)[:60]}")
            return MISSING
        return value

    def section(
        self, rec: Mapping[str, Any], key: str, path: str, *, required: bool
    ) -> dict[str, Any] | None:
        """A nested object (None when absent and optional, or malformed: reported)."""
        value = rec.get(key)
        if value is None:
            if required:
                self.add(join(path, key), "missing field")
            return None
        if not isinstance(value, dict):
            self.add(join(path, key), "must be an object")
            return None
        return value

    def known_fields(self, rec: Mapping[str, Any], allowed: Iterable[str], path: str) -> None:
        """Report fields the format does not define (a misspelt option would be ignored)."""
        names = set(allowed)
        for key in rec:
            if key not in names:
                self.add(join(path, key), f"unknown field (expected one of {sorted(names)})")


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# ---------------------------------------------------------------- value checks


is_id = chk.is_id
is_bool = chk.is_bool
is_number = chk.is_number
non_negative = chk.non_negative
int_at_least = chk.int_at_least


def positive(v: Any) -> str | None:
    return is_number(v) or ("must be > 0" if v <= 0 else None)


def share(v: Any) -> str | None:
    return is_number(v) or (None if 0.0 <= v <= 1.0 else "must be within [0, 1]")


def is_text(v: Any) -> str | None:
    return None if isinstance(v, str) else "must be a string"


def weights(length: int | None = None) -> Check:
    """A list of weights: numbers >= 0 with a positive sum (and `length` items when given)."""

    def check(v: Any) -> str | None:
        if not isinstance(v, list) or not v:
            return "must be a non-empty list of numbers"
        if length is not None and len(v) != length:
            return f"must list {length} numbers"
        if any(non_negative(w) for w in v):
            return "must hold numbers >= 0"
        return None if math.fsum(v) > 0 else "must have a positive sum"

    return check


def clock_seconds(text: Any, *, allow_midnight_end: bool = False) -> int | None:
    """Seconds after local midnight of "HH:MM" or "HH:MM:SS" ("24:00" when allowed)."""
    m = _CLOCK.match(text) if isinstance(text, str) else None
    if m is None:
        return None
    h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
    if allow_midnight_end and (h, mi, s) == (24, 0, 0):
        return SECONDS_PER_DAY
    if h > 23 or mi > 59 or s > 59:
        return None
    return h * 3600 + mi * 60 + s


def clock_time(v: Any) -> str | None:
    return None if clock_seconds(v) is not None else 'must be a time "HH:MM" or "HH:MM:SS"'
