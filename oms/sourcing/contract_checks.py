"""Validation helpers for contract files: every fault is collected with the record it is about
(`orders[3] (id "O-4")`), so that one run reports them all."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from oms.domain.errors import ContractError, ValidationError
from oms.sourcing.contract_types import NO_LIMIT


class Problems:
    """Collects messages; each names the record it is about. Raises them all as `error`."""

    error: type[ValidationError] = ContractError

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise self.error(self.messages)


MISSING = object()  # a field absent from its record


def field(
    rec: Mapping[str, Any],
    key: str,
    where: str,
    probs: Problems,
    check: Callable[[Any], str | None],
    *,
    nullable: bool = False,
) -> Any:
    value = rec.get(key, MISSING)
    if value is MISSING:
        if nullable:
            return None
        probs.add(where, f'missing field "{key}"')
        return MISSING
    if value is None and nullable:
        return None
    error = check(value)
    if error:
        probs.add(where, f'"{key}" {error}, got {json.dumps(value)[:60]}')
        return MISSING
    return value


def is_number(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return "must be a finite number"
    return None


def non_negative(v: Any) -> str | None:
    return is_number(v) or ("must be >= 0" if v < 0 else None)


def int_at_least(low: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return "must be a whole number"
        if v >= NO_LIMIT:
            return f"must be below {NO_LIMIT}"
        return f"must be >= {low}" if v < low else None

    return check


def is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def is_id(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty string"


def latitude(v: Any) -> str | None:
    return is_number(v) or (None if -90.0 <= v <= 90.0 else "must be within [-90, 90]")


def longitude(v: Any) -> str | None:
    return is_number(v) or (None if -180.0 <= v <= 180.0 else "must be within [-180, 180]")


def records_plain(
    data: Mapping[str, Any], key: str, probs: Problems, owner: str = "problem"
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The objects of the list `data[key]` with their index; other items are reported."""
    items = data.get(key, MISSING)
    if items is MISSING:
        probs.add(owner, f'missing field "{key}"')
        return
    if not isinstance(items, list):
        probs.add(owner, f'"{key}" must be a list')
        return
    for i, rec in enumerate(items):
        if isinstance(rec, dict):
            yield i, rec
        else:
            probs.add(f"{key}[{i}]", "must be an object")


def records(
    data: Mapping[str, Any], key: str, probs: Problems, owner: str = "problem"
) -> Iterator[tuple[str, Any]]:
    """The same objects, each with the name that messages use for it."""
    for i, rec in records_plain(data, key, probs, owner):
        yield record_name(key, i, rec), rec


def record_name(key: str, i: int, rec: Mapping[str, Any]) -> str:
    rid = rec.get("id")
    return f'{key}[{i}] (id "{rid}")' if isinstance(rid, str) else f"{key}[{i}]"
