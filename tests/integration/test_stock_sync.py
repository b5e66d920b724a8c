"""The bulk stock sync on SQLite and PostgreSQL: set-based writes with an event (and outbox row)
per changed row, versions bumped, reject_all atomic, and a sync below what is reserved moving a
reservation and an order allocation to other nodes, or reporting them short."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from oms.catalog.stock_sync import SyncRequest, export_rows, sync_stock
from oms.db import tables
from oms.db.stock_sync import BATCH, SqlStockRows, SqlStockSync
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.inventory.model import Sku
from oms.inventory.sync import OnError, SyncFormat, SyncMode, SyncRejected
from oms.orders.reservations import reserve
from oms.orders.service import OrderForm, create_order
from oms.promise.service import NetworkCache
from tests.unit.services.orders_world import DC, PARIS, S1, S2, _node, ship_request


@pytest.fixture
def world(session_factory: sessionmaker[Session]) -> Any:
    cache = NetworkCache()
    bus = message_bus(cache)

    @contextmanager
    def open_uow() -> Iterator[SqlUnitOfWork]:
        with SqlUnitOfWork(session_factory, bus) as uow:
            yield uow

    with open_uow() as uow:
        for node in (_node(DC, "warehouse", 45.76, 4.84), _node(S1, "store", 48.86, 2.35),
                     _node(S2, "store", 48.88, 2.30)):  # fmt: skip
            uow.nodes.add_now(node)
        for sku, price in (("MUG", 1299), ("TEA", 450)):
            uow.skus.add_now(Sku(id=sku, name=sku, price_minor=price, currency="EUR"))
        uow.commit()
    return open_uow, cache


def run(world: Any, body: str, **kw: Any) -> Any:
    open_uow, cache = world
    req = SyncRequest(SyncFormat.CSV, **kw)
    with open_uow() as uow:
        return sync_stock(uow, SqlStockSync(uow), cache, req, [body.encode()])


def levels(world: Any, node: str, sku: str) -> tuple[int, int, int]:
    open_uow, _ = world
    with open_uow() as uow:
        level = uow.stock.levels(node, sku)
    return (level.on_hand, level.reserved, level.safety_stock) if level else (0, 0, 0)


def count(world: Any, table: Any, **where: Any) -> int:
    open_uow, _ = world
    with open_uow() as uow:
        stmt = select(func.count()).select_from(table)
        for name, value in where.items():
            stmt = stmt.where(table.c[name] == value)
        return int(uow.session.scalar(stmt) or 0)


def test_a_large_sync_writes_every_row_with_one_event_and_one_outbox_row_each(world):
    skus = [f"S{i:05d}" for i in range(BATCH // 2 + 7)]  # more than one batch of events
    open_uow, _ = world
    with open_uow() as uow:
        uow.skus.add_all_now([Sku(id=s, name=s, price_minor=1, currency="EUR") for s in skus])
        uow.commit()
    rows = [f"{node},{sku},{i % 50}" for i, sku in enumerate(skus) for node in (DC, S1)]
    out = run(world, "node,sku,on_hand\n" + "\n".join(rows) + "\n", source="WMS")
    changed = sum(1 for i in range(len(skus)) if i % 50) * 2
    assert (out.received, out.applied, out.unchanged) == (len(rows), changed, len(rows) - changed)
    assert count(world, tables.events, type="StockSynced") == changed
    assert count(world, tables.outbox, type="stock.changed") == changed
    assert levels(world, S1, skus[49]) == (49, 0, 0)
    again = run(world, "node,sku,on_hand\n" + f"{DC},{skus[49]},48\n", mode=SyncMode.ABSOLUTE)
    assert again.applied == 1
    with open_uow() as uow:
        item = uow.stock.item(DC, skus[49])
        assert item is not None and item.version == 2


def test_reject_all_changes_nothing_when_a_delta_would_go_below_zero(world):
    run(world, f"node,sku,on_hand\n{DC},MUG,5\n{DC},TEA,5\n")
    with pytest.raises(SyncRejected) as refused:
        run(world, f"node,sku,delta\n{DC},MUG,3\n{DC},TEA,-6\n", mode=SyncMode.DELTA)
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "delta")]
    assert levels(world, DC, "MUG") == (5, 0, 0)
    skipped = run(
        world,
        f"node,sku,delta\n{DC},MUG,3\n{DC},TEA,-6\n",
        mode=SyncMode.DELTA,
        on_error=OnError.SKIP_ROWS,
    )
    assert (skipped.applied, skipped.rejected) == (1, 1)
    assert levels(world, DC, "MUG") == (8, 0, 0)


def test_the_export_reads_back_what_was_synced_in_node_then_sku_order(world):
    run(world, f"node,sku,on_hand,safety_stock\n{S1},TEA,4,1\n{DC},MUG,2,\n{S1},MUG,1,\n")
    open_uow, _ = world
    with open_uow() as uow:
        lines = list(export_rows(SqlStockRows(uow.session), None))
    assert lines[1:] == [f"{DC},MUG,2,0,0,2\n", f"{S1},MUG,1,0,0,1\n", f"{S1},TEA,4,1,0,3\n"]


def test_a_sync_below_what_is_reserved_moves_the_newest_holds_and_reports_the_rest_short(world):
    open_uow, cache = world
    run(world, f"node,sku,on_hand\n{DC},MUG,1\n{S1},MUG,3\n")
    with open_uow() as uow:  # an order of 2 then a reservation of 1, both at the Paris store
        order, _ = create_order(uow, cache, OrderForm(lines=[("MUG", 2)], destination=PARIS),
                                key=None)  # fmt: skip
    with open_uow() as uow:
        res, _ = reserve(uow, cache, ship_request([("MUG", 1)]), key=None)
    assert levels(world, S1, "MUG") == (3, 3, 0)
    out = run(world, f"node,sku,on_hand\n{S1},MUG,0\n", source="count")
    moved = {(m.kind, m.id): (m.units, m.placed, m.short) for m in out.moved}
    # Newest first: the reservation takes the DC's one unit; the order finds none and is short.
    assert moved == {
        ("reservation", res.id): (1, [(DC, 1)], 0),
        ("order", order.id): (2, [], 2),
    }
    assert levels(world, S1, "MUG") == (0, 0, 0)
    assert levels(world, DC, "MUG") == (1, 1, 0)
    with open_uow() as uow:
        [line] = uow.order_lines.list_by(order_id=order.id)
        assert line.status.value == "cancelled"
        assert [r.amount_minor for r in uow.refunds.list_by(order_id=order.id)] == [2598]
        assert [(x.node_id, x.qty) for x in uow.reservation_lines.list_by(reservation_id=res.id)]\
            == [(DC, 1)]  # fmt: skip
        types = [e.type for e in uow.events.history("reservation", res.id)]
        assert "ReservationMoved" in types
        assert "LineShort" in [e.type for e in uow.events.history("order", order.id)]


def test_an_order_allocation_moves_to_a_node_with_stock_in_a_new_shipment(world):
    open_uow, cache = world
    run(world, f"node,sku,on_hand\n{DC},MUG,5\n{S1},MUG,2\n")
    with open_uow() as uow:
        order, _ = create_order(uow, cache, OrderForm(lines=[("MUG", 2)], destination=PARIS),
                                key=None)  # fmt: skip
    out = run(world, f"node,sku,on_hand\n{S1},MUG,1\n")
    [moved] = out.moved
    assert (moved.kind, moved.units, moved.placed, moved.short) == ("order", 1, [(DC, 1)], 0)
    assert levels(world, S1, "MUG") == (1, 1, 0)
    assert levels(world, DC, "MUG") == (5, 1, 0)
    with open_uow() as uow:
        ships = {s.node_id: s.status.value for s in uow.shipments.list_by(order_id=order.id)}
        assert ships == {S1: "created", DC: "created"}
        assert "Resourced" in [e.type for e in uow.events.history("order", order.id)]
