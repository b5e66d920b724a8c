"""The in-memory unit of work tells the same story as the database: one day of a small network
(an order shipped, a pickup order whose pick comes back short and is re-sourced, a
cancellation) run through the same services on FakeUnitOfWork and on SqlUnitOfWork (SQLite and
PostgreSQL) raises the same events in the same order and leaves the same stock and statuses.
The service unit tests rely on the fakes; this keeps the fakes honest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oms.db import tables
from oms.db.uow import SqlUnitOfWork
from oms.domain.events import EventRecord
from oms.handlers import message_bus
from oms.inventory.model import Sku
from oms.orders.service import OrderForm, cancel, create_order
from oms.promise.service import NetworkCache
from oms.stores.picks import confirm, open_picks
from tests.fakes import FakeUnitOfWork
from tests.unit.services.orders_world import DC, PARIS, S1, S2, _node


def day(open_uow: Callable[[], Any], cache: NetworkCache) -> dict[str, Any]:
    """The scenario; each step in a unit of work of its own, as requests would be."""
    with open_uow() as uow:
        for node in (_node(DC, "warehouse", 45.76, 4.84), _node(S1, "store", 48.86, 2.35),
                     _node(S2, "store", 48.88, 2.30)):  # fmt: skip
            uow.nodes.add_now(node)
        for sku, price in (("MUG", 1299), ("TEA", 450)):
            uow.skus.add_now(Sku(id=sku, name=sku, price_minor=price, currency="EUR"))
        for node, qty in ((DC, 10), (S1, 2), (S2, 1)):
            uow.stock.set_stock(node, "MUG", on_hand=qty)
            uow.stock.set_stock(node, "TEA", on_hand=qty)
        uow.commit()
    with open_uow() as uow:
        form = OrderForm(lines=[("MUG", 2)], method="pickup", pickup_node=S1)
        pickup, _ = create_order(uow, cache, form, key=None)
    with open_uow() as uow:
        shipped, _ = create_order(uow, cache, OrderForm(lines=[("MUG", 2), ("TEA", 1)],
                                  destination=PARIS), key=None)  # fmt: skip
    with open_uow() as uow:
        [pick] = [p for p in open_picks(uow, S1) if p.order_id == pickup.id]
        confirm(uow, pick.id, {line.line_id: 1 for line in pick.lines}, store=S1)
    with open_uow() as uow:
        cancel(uow, shipped.id, None)
    with open_uow() as uow:
        names = {shipped.id: "shipped", pickup.id: "pickup"}
        return {
            "events": [(e.type, str(e.aggregate)) for e in _history(uow)],
            "stock": {k: (v.on_hand, v.reserved) for k, v in _levels(uow).items()},
            "orders": {names[o]: uow.orders.get(o).status.value for o in names},
            "shipments": sorted(
                (names[s.order_id], s.node_id, s.status.value)
                for o in names
                for s in uow.shipments.list_by(order_id=o)
            ),
            "involved": sorted(
                (names[n.order_id], n.node_id, n.supplies)
                for o in names
                for n in uow.order_nodes.list_by(order_id=o)
            ),
            # The look-ahead forecast's reading of the same orders (cancelled ones count).
            "history": sorted(
                (names[x.order_id], x.pickup_node, x.dest_lat is None, x.sku_id, x.qty)
                for x in uow.demand_history.lines_between(ALL_TIME)
            ),
        }


ALL_TIME = [(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))]


def _levels(uow: Any) -> dict[tuple[str, str], Any]:
    return {(n, s): uow.stock.levels(n, s) for n in (DC, S1, S2) for s in ("MUG", "TEA")}


def _history(uow: Any) -> list[Any]:
    if isinstance(uow, FakeUnitOfWork):
        return list(uow.events.records)
    return list(uow.session.scalars(select(EventRecord).order_by(tables.events.c.id)))


def test_a_day_on_the_fake_unit_of_work_tells_the_same_story_as_on_the_database(
    session_factory: sessionmaker[Session],
) -> None:
    fake = FakeUnitOfWork()

    @contextmanager
    def on_the_fake() -> Iterator[FakeUnitOfWork]:
        yield fake

    cache = NetworkCache()
    bus = message_bus(cache)

    @contextmanager
    def on_the_database() -> Iterator[SqlUnitOfWork]:
        with SqlUnitOfWork(session_factory, bus) as uow:
            yield uow

    in_memory, stored = day(on_the_fake, NetworkCache()), day(on_the_database, cache)
    assert in_memory["orders"] == stored["orders"] == {"shipped": "cancelled",
                                                      "pickup": "allocated"}  # fmt: skip
    assert in_memory["shipments"] == stored["shipments"]
    # What order search reads: every node that ever shipped (supplied) each order, short-picked
    # or not, and the pickup store, which supplied it here.
    assert in_memory["involved"] == stored["involved"]
    assert {(o, n, True) for o, n, _ in stored["shipments"]} == set(stored["involved"])
    assert in_memory["stock"] == stored["stock"]
    assert (
        in_memory["history"]
        == stored["history"]
        == [
            ("pickup", S1, True, "MUG", 2),
            ("shipped", None, False, "MUG", 2),
            ("shipped", None, False, "TEA", 1),
        ]
    )
    assert in_memory["events"] == stored["events"]
    assert ("ShortPicked", "order") in stored["events"] and ("Resourced", "order") in stored[
        "events"
    ]
