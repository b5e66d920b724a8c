"""The history and outbox rows of a stock sync, made in bulk.

A sync of a million rows raises a million ``StockChanged`` events; building each through the
event dataclass, the catalogue and SQLAlchemy's parameter handling cost more than PostgreSQL's
work of storing them. Here each row's two records (history and outbox) are formatted straight
from the change, as JSON text and, on PostgreSQL, as ``COPY`` text sent in large chunks. They
are exactly the rows the unit of work's event log writes for the same event: a test compares
the two for every kind of change (``tests/integration/test_bulk_events.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection

from oms.domain.events import Aggregate, StockChange, StockChanged, stock_key
from oms.integrations.catalogue import TYPES, event_id_prefix
from oms.inventory.sync import Change

HISTORY_COLUMNS = ("type", "aggregate", "aggregate_id", "payload", "occurred_at")
OUTBOX_COLUMNS = ("event_id", "type", "ordering_key", "data", "occurred_at")
_CHUNK = 5_000  # COPY lines sent per write


@lru_cache(maxsize=200_000)
def _json(text: str) -> str:
    """A string as a JSON value (ids repeat across rows: node ids always, SKU ids often)."""
    return json.dumps(text)


def _previous(change: Change) -> str:
    if change.previous is None:
        return "null"
    return (
        f'{{"on_hand": {change.previous.on_hand}, "safety_stock": {change.previous.safety_stock}}}'
    )


def instant_text(conn: Connection, at: datetime) -> str:
    """An instant as the database reads it in these rows (SQLite: UtcDateTime's naive UTC)."""
    at = at.astimezone(UTC)
    if conn.dialect.name == "postgresql":
        return at.isoformat()
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def stock_sync_rows(
    batch: Sequence[Change], details: Mapping[str, object], when: str
) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each change's history row and outbox row, in the columns above (``when``: the instant,
    ``instant_text``). ``details``: what the sync adds to every event (source, mode)."""
    name = StockChange.SYNCED.value
    public = TYPES[StockChanged]
    change_name = StockChange.SYNCED.name.lower()
    inventory = Aggregate.INVENTORY.value
    extra = "".join(f", {_json(k)}: {json.dumps(v)}" for k, v in details.items())
    ids = event_id_prefix()
    for k, c in enumerate(batch):
        after = c.after
        node, sku, key = _json(c.node), _json(c.sku), stock_key(c.node, c.sku)
        head = f'{{"node_id": {node}, "sku_id": {sku}'
        middle = f'{extra}, "row": {c.row}, "previous": {_previous(c)}'
        levels = (
            f', "on_hand": {after.on_hand}, "reserved": {after.reserved}, '
            f'"safety_stock": {after.safety_stock}, "atp": {after.atp}}}'
        )
        history = (name, inventory, key, head + middle + levels, when)
        data = f'{head}, "change": "{change_name}"{middle}{levels}'
        outbox = (f"{ids}{k:06x}", public, f"{inventory}:{key}", data, when)
        yield history, outbox


def write_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[str, ...]]
) -> None:
    """Insert text rows: COPY on PostgreSQL, the driver's executemany on SQLite."""
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.driver_connection
        statement = f"COPY {table} ({names}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                copy.write("".join("\t".join(map(_copy_text, r)) + "\n" for r in chunk))
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))


def _copy_text(cell: str) -> str:
    """A value in COPY's text format: backslashes doubled, control characters escaped."""
    if "\\" in cell or "\t" in cell or "\n" in cell or "\r" in cell:
        cell = cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        cell = cell.replace("\r", "\\r")
    return cell
