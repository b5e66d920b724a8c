"""A sync then an export gives back the levels synced, and the export synced again changes
nothing: the two speak the same CSV, whatever the ids and numbers (hypothesis)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.catalog.stock_sync import Catalogue, export_rows
from oms.domain.limits import MAX_UNITS
from oms.inventory.atp import StockLevel
from oms.inventory.sync import Current, SyncFormat, SyncMode, plan, read_rows

# Ids as the API takes them: printable, commas, quotes and spaces included.
ids = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=1, max_size=12)
units = st.integers(0, MAX_UNITS)


class Table:
    """An in-memory inventory table: what the export reads."""

    def __init__(self, levels: dict[tuple[str, str], StockLevel]) -> None:
        self.levels = levels

    def node_exists(self, node: str) -> bool:
        return any(n == node for n, _ in self.levels)

    def export(self, node: str | None) -> Iterator[tuple[str, str, int, int, int]]:
        for (n, s), lv in sorted(self.levels.items()):
            if node is None or n == node:
                yield n, s, lv.on_hand, lv.safety_stock, lv.reserved


def to_csv(rows: dict[tuple[str, str], tuple[int, int]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["node", "sku", "on_hand", "safety_stock"])
    for (n, s), (on_hand, safety) in rows.items():
        writer.writerow([n, s, on_hand, safety])
    return out.getvalue()


def apply(table: Table, text: str, catalogue: Catalogue) -> int:
    checked = read_rows([text.encode()], SyncFormat.CSV, SyncMode.ABSOLUTE, catalogue.unknown)
    assert checked.errors == []
    current = {k: Current(v, 1) for k, v in table.levels.items()}
    changes, _, bad = plan(checked.rows, current, SyncMode.ABSOLUTE, catalogue.nodes)
    assert bad == []
    for c in changes:
        table.levels[(c.node, c.sku)] = StockLevel(c.on_hand, c.reserved, c.safety_stock)
    return len(changes)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.tuples(ids, ids), st.tuples(units, units), min_size=1, max_size=20))
def test_a_sync_then_an_export_round_trips(rows: dict[tuple[str, str], tuple[int, int]]) -> None:
    catalogue = Catalogue({n: 0 for n, _ in rows}, frozenset(s for _, s in rows))
    table = Table({})
    apply(table, to_csv(rows), catalogue)
    exported = "".join(export_rows(table, None))
    back = {
        (r["node"], r["sku"]): (int(r["on_hand"]), int(r["safety_stock"]))
        for r in csv.DictReader(io.StringIO(exported))
    }
    assert back == {k: v for k, v in rows.items() if v != (0, 0)}
    assert apply(table, exported, catalogue) == 0
