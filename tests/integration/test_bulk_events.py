"""A stock sync's bulk-made history and outbox rows are exactly those the event log writes for
the same StockChanged event, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select

from oms.db import tables
from oms.db.bulk_events import (
    HISTORY_COLUMNS,
    OUTBOX_COLUMNS,
    instant_text,
    stock_sync_rows,
    write_rows,
)
from oms.db.events import EventLog
from oms.domain.events import StockChange, StockChanged
from oms.inventory.atp import StockLevel
from oms.inventory.sync import Change

AT = datetime(2026, 12, 4, 12, 30, 15, 123456, tzinfo=UTC)
ODD = 'N"odd\\one\tx'  # a quote, a backslash and a tab: JSON and COPY both escape them

CHANGES = [
    Change(1, "DC-1", "SKU-1", None, 5, 0, 0, 0),
    Change(2, "DC-1", "SKU-2", StockLevel(9, 2, 1), 3, 1, 2, 7),
    Change(3, ODD, "S/é", StockLevel(0, 0, 0), 1, 0, 0, 1),
]
DETAILS = [{"source": "ERP-42", "mode": "absolute"}, {"source": None, "mode": "delta"}]


def _event(c: Change, details: dict[str, object]) -> StockChanged:
    previous = None if c.previous is None else {
        "on_hand": c.previous.on_hand, "safety_stock": c.previous.safety_stock
    }  # fmt: skip
    after = c.after
    return StockChanged(
        change=StockChange.SYNCED,
        node_id=c.node,
        sku_id=c.sku,
        on_hand=after.on_hand,
        reserved=after.reserved,
        safety_stock=after.safety_stock,
        atp=after.atp,
        details={**details, "row": c.row, "previous": previous},
    )


def _read(session) -> tuple[list[tuple], list[tuple]]:
    e, o = tables.events.c, tables.outbox.c
    history = session.execute(
        select(e.type, e.aggregate, e.aggregate_id, e.payload, e.occurred_at).order_by(e.id)
    ).all()
    outbox = session.execute(
        select(o.type, o.ordering_key, o.data, o.occurred_at).order_by(o.id)
    ).all()
    session.execute(delete(tables.events))
    session.execute(delete(tables.outbox))
    return [tuple(r) for r in history], [tuple(r) for r in outbox]


@pytest.mark.parametrize("details", DETAILS)
def test_bulk_rows_are_the_rows_the_event_log_writes(session_factory, details):
    with session_factory() as session:
        log = EventLog(session)
        for change in CHANGES:
            log.queue(_event(change, details), AT)
        log.write()
        expected = _read(session)

        conn = session.connection()
        rows = list(stock_sync_rows(CHANGES, details, instant_text(conn, AT)))
        write_rows(conn, "events", HISTORY_COLUMNS, [h for h, _ in rows])
        write_rows(conn, "outbox", OUTBOX_COLUMNS, [o for _, o in rows])
        assert _read(session) == expected
        ids = [o[0] for _, o in rows]
        assert len(set(ids)) == len(ids) and all(len(i) == len("evt_") + 32 for i in ids)
        session.rollback()
