"""The stock sync's rules, without a database: reading CSV and JSON lines, row numbers, every
row error with its field, and planning new levels against the current ones."""

from __future__ import annotations

import pytest

from oms.inventory.atp import StockLevel
from oms.inventory.sync import (
    Current,
    RowError,
    SyncFormat,
    SyncMode,
    SyncRejected,
    format_of,
    plan,
    read_rows,
)

NODES, SKUS = {"DC", "ST"}, {"MUG", "TEA"}


def known(node: str, sku: str) -> list[RowError]:
    bad = [RowError(0, "node", "unknown")] if node not in NODES else []
    return bad + ([RowError(0, "sku", "unknown")] if sku not in SKUS else [])


def read(text: str, mode: SyncMode = SyncMode.ABSOLUTE, fmt: SyncFormat = SyncFormat.CSV):
    data = text.encode()
    chunks = [data[i : i + 7] for i in range(0, len(data), 7)]  # split mid-line and mid-char
    return read_rows(chunks, fmt, mode, known)


def errors(text: str, mode: SyncMode = SyncMode.ABSOLUTE, fmt: SyncFormat = SyncFormat.CSV):
    return [(e.row, e.field) for e in read(text, mode, fmt).errors]


def test_row_one_is_the_first_data_row_and_blank_lines_keep_their_number():
    got = read("node,sku,on_hand\nDC,MUG,1\n\nST,TEA,2\n")
    assert [(r.row, r.node, r.sku, r.qty) for r in got.rows] == [(1, "DC", "MUG", 1),
                                                                 (3, "ST", "TEA", 2)]  # fmt: skip
    assert got.received == 2


def test_each_broken_rule_is_reported_on_its_row_and_field():
    text = (
        "sku,node,on_hand,safety_stock,reserved\n"
        "MUG,DC,1,,9\n"
        "MUG,XX,1,,\n"
        "YY,DC,1,,\n"
        "TEA,DC,1.5,,\n"
        "TEA,DC,2,-1,\n"
        "TEA,ST,,,\n"
        ",ST,3,,\n"
        "MUG,DC,4,,\n"
    )
    assert errors(text) == [(2, "node"), (3, "sku"), (4, "on_hand"), (5, "safety_stock"),
                            (6, "on_hand"), (7, "sku"), (8, "sku")]  # fmt: skip
    [repeat] = [e for e in read(text).errors if e.row == 8]
    assert "row 1" in repeat.detail


def test_a_header_that_does_not_fit_the_mode_is_refused_naming_the_header():
    bad = [
        ("node,sku,delta\n", SyncMode.ABSOLUTE),
        ("node,sku,on_hand\n", SyncMode.DELTA),
        ("node,on_hand\n", SyncMode.ABSOLUTE),
        ("node,sku,on_hand,on_hand\n", SyncMode.ABSOLUTE),
        ("", SyncMode.DELTA),
    ]
    for text, mode in bad:
        with pytest.raises(SyncRejected) as refused:
            read(text, mode)
        assert refused.value.errors[0].field == "header"


def test_json_lines_take_the_same_keys_and_refuse_what_is_not_a_whole_number():
    text = (
        '{"node": "DC", "sku": "MUG", "delta": -3}\n'
        '{"node": "DC", "sku": "TEA", "delta": "2"}\n'
        '{"node": "DC", "sku": "TEA", "delta": true}\n'
        "[1]\n"
        "{oops\n"
        '{"node": "ST", "sku": "TEA", "on_hand": 2}\n'
    )
    got = read(text, SyncMode.DELTA, SyncFormat.JSON_LINES)
    assert [(r.row, r.qty) for r in got.rows] == [(1, -3), (2, 2)]
    assert [(e.row, e.field) for e in got.errors] == [(3, "delta"), (4, "line"), (5, "line"),
                                                      (6, "delta")]  # fmt: skip


def test_bounds_follow_the_columns_limits():
    assert errors("node,sku,on_hand\nDC,MUG,1000000000\nDC,TEA,1000000001\n") == [(2, "on_hand")]
    text = "node,sku,delta\nDC,MUG,-1000000000\nDC,TEA,-1000000001\n"
    assert errors(text, SyncMode.DELTA) == [(2, "delta")]


def test_content_types_pick_the_format_and_others_are_refused():
    assert format_of("text/csv; charset=utf-8") is SyncFormat.CSV
    assert format_of("application/jsonl") is SyncFormat.JSON_LINES
    with pytest.raises(SyncRejected):
        format_of("application/json")


def test_a_body_that_is_not_utf8_is_refused():
    with pytest.raises(SyncRejected) as refused:
        read_rows([b"node,sku,on_hand\n\xff\n"], SyncFormat.CSV, SyncMode.ABSOLUTE, known)
    assert refused.value.errors[0].field == "body"


def test_planning_skips_unchanged_rows_and_refuses_a_delta_below_zero():
    rows = read("node,sku,delta,safety_stock\nDC,MUG,0,\nDC,TEA,-5,\nST,MUG,2,1\n",
                SyncMode.DELTA).rows  # fmt: skip
    current = {("DC", "MUG"): Current(StockLevel(3, 1, 0), 4),
               ("DC", "TEA"): Current(StockLevel(4, 0, 0), 1)}  # fmt: skip
    changes, unchanged, bad = plan(rows, current, SyncMode.DELTA, {"ST": 2})
    assert unchanged == 1 and [(e.row, e.field) for e in bad] == [(2, "delta")]
    [new] = changes
    assert (new.node, new.on_hand, new.safety_stock, new.reserved, new.version) == (
        "ST",
        2,
        1,
        0,
        0,
    )
    assert new.previous is None


def test_a_new_row_left_at_zero_is_not_written_and_its_store_protection_is_kept():
    rows = read("node,sku,on_hand\nST,MUG,0\nST,TEA,4\n").rows
    changes, unchanged, _ = plan(rows, {}, SyncMode.ABSOLUTE, {"ST": 2})
    assert unchanged == 1 and [(c.sku, c.on_hand, c.safety_stock) for c in changes] == [
        ("TEA", 4, 2)
    ]


def test_an_absolute_level_below_reserved_shows_the_excess_to_move():
    rows = read("node,sku,on_hand\nDC,MUG,1\n").rows
    [change], _, _ = plan(rows, {("DC", "MUG"): Current(StockLevel(5, 3, 0), 2)},
                          SyncMode.ABSOLUTE, {})  # fmt: skip
    assert change.excess == 2 and change.after.atp == 0
