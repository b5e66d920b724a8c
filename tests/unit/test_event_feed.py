"""The feed's paging rules on an in-memory source: cursors, the high-water mark, filters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from oms.domain.errors import ValidationError
from oms.integrations.catalogue import OutboxMessage, matches
from oms.integrations.feed import decode_cursor, encode_cursor, read_feed

AT = datetime(2026, 12, 4, tzinfo=UTC)


class ListSource:
    def __init__(self, types: list[str], mark: int | None = None) -> None:
        self.rows = [
            OutboxMessage(f"evt_{k}", t, "k", {}, AT, position=k)
            for k, t in enumerate(types, start=1)
        ]
        self.mark = len(types) if mark is None else mark

    def high_water(self) -> int:
        return self.mark

    def read_after(
        self, after: int, upto: int, families: Sequence[str], exact: Sequence[str], limit: int
    ) -> list[OutboxMessage]:
        patterns = [f"{f}.*" for f in families] + list(exact) or ["*"]
        rows = [r for r in self.rows if after < (r.position or 0) <= upto]
        return [r for r in rows if matches(r.type, patterns)][:limit]


def follow(source: ListSource, types: list[str], limit: int) -> list[str]:
    seen, cursor = [], None
    for _ in range(100):
        page = read_feed(source, cursor, types, limit)
        seen += [m.event_id for m in page.events]
        cursor = page.next_cursor
        if not page.has_more:
            return seen
    raise AssertionError("the feed never ended")


def test_a_cursor_round_trips_and_is_opaque():
    assert decode_cursor(encode_cursor(12345)) == 12345
    assert "12345" not in encode_cursor(12345)
    assert decode_cursor(None) == decode_cursor("") == 0


@pytest.mark.parametrize("cursor", ["nope", "djE6", "eDox", "!!", encode_cursor(3) + "x"])
def test_a_cursor_the_feed_did_not_give_is_refused_naming_after(cursor):
    with pytest.raises(ValidationError, match="after:"):
        decode_cursor(cursor)


@pytest.mark.parametrize("limit", [1, 2, 3, 100])
def test_following_the_cursor_sees_every_event_once_in_order(limit):
    source = ListSource(["order.created", "stock.changed", "order.shipped"] * 4)
    assert follow(source, [], limit) == [f"evt_{k}" for k in range(1, 13)]


def test_a_filtered_follower_sees_its_types_only_and_does_not_rescan():
    source = ListSource(["stock.changed"] * 5 + ["order.created"])
    page = read_feed(source, None, ["order.*"], 10)
    assert [m.type for m in page.events] == ["order.created"]
    assert decode_cursor(page.next_cursor) == 6
    source.rows += [OutboxMessage("evt_7", "stock.changed", "k", {}, AT, position=7)]
    source.mark = 7
    empty = read_feed(source, page.next_cursor, ["order.*"], 10)
    assert empty.events == [] and decode_cursor(empty.next_cursor) == 7


def test_events_past_the_high_water_mark_wait_for_the_next_page():
    source = ListSource(["order.created"] * 3, mark=2)
    page = read_feed(source, None, [], 10)
    assert [m.position for m in page.events] == [1, 2]
    assert decode_cursor(page.next_cursor) == 2


def test_bad_types_and_limits_are_refused_together_by_name():
    with pytest.raises(ValidationError) as caught:
        read_feed(ListSource([]), None, ["order.nope"], 0)
    assert [p.split(":")[0] for p in caught.value.problems] == ["types", "limit"]
