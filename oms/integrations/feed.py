"""The event feed for pull integrations: every public event in commit order, from an opaque
cursor (``GET /v1/events?after=CURSOR&types=order.*&limit=N``).

A page holds the events after the cursor, up to the sequencer's high-water mark read at the
start: every event up to that mark is committed and numbered, and any event committed later is
numbered above it. ``next_cursor`` is the last event's place on a full page, or the mark itself
when the page is not full, so a client filtering on a rare type does not rescan what it has been
through. A client that follows ``next_cursor`` from the start sees every event once, in order.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from oms.domain.errors import ValidationError
from oms.integrations.catalogue import OutboxMessage, pattern_errors

MAX_LIMIT = 1_000
DEFAULT_LIMIT = 100
_PREFIX = "v1:"


class FeedSource(Protocol):
    def high_water(self) -> int: ...

    def read_after(
        self, after: int, upto: int, families: Sequence[str], exact: Sequence[str], limit: int
    ) -> list[OutboxMessage]: ...


@dataclass(frozen=True)
class FeedPage:
    events: list[OutboxMessage]
    next_cursor: str
    has_more: bool


def encode_cursor(position: int) -> str:
    raw = f"{_PREFIX}{position}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for (None or empty: the start)."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :])
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise ValidationError(["after: not a cursor this feed gave out (use next_cursor as is)"])


def read_feed(
    source: FeedSource, after: str | None, types: Sequence[str], limit: int = DEFAULT_LIMIT
) -> FeedPage:
    errors = [f"types: {e}" for e in pattern_errors(list(types))]
    if not 1 <= limit <= MAX_LIMIT:
        errors.append(f"limit: must be between 1 and {MAX_LIMIT}, not {limit}")
    if errors:
        raise ValidationError(errors)
    start = decode_cursor(after)
    families, exact = _split(types)
    mark = source.high_water()
    events = source.read_after(start, mark, families, exact, limit)
    if len(events) == limit:
        last = events[-1].position
        assert last is not None
        return FeedPage(events, encode_cursor(last), has_more=last < mark)
    return FeedPage(events, encode_cursor(max(start, mark)), has_more=False)


def _split(types: Sequence[str]) -> tuple[list[str], list[str]]:
    """Patterns as SQL can filter them: family prefixes and exact types (``*`` or nothing: all)."""
    if not types or "*" in types:
        return [], []
    families = [t[:-2] for t in types if t.endswith(".*")]
    return families, [t for t in types if not t.endswith(".*")]
