"""The inventory ledger on real databases (SQLite and PostgreSQL): never oversell, never lose a
unit, every shortfall reported, events committed or rolled back with the change."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from oms.db import ledger
from oms.db.engine import make_engine, make_session_factory, migrate, read_only
from oms.db.tables import metadata
from oms.db.uow import SqlUnitOfWork, run_transaction
from oms.domain.events import Aggregate, EventRecord
from oms.handlers import message_bus
from oms.inventory import (
    InsufficientStock,
    InvalidQuantity,
    NotReserved,
    Shortfall,
    StockBelowReserved,
    StockLevel,
    UnknownNode,
    UnknownSku,
)
from oms.inventory.model import Node, Sku

NODES = ("N1", "N2", "N3")
SKUS = ("S1", "S2")


def _node(node_id: str, enabled: bool = True) -> Node:
    return Node(
        id=node_id, kind="store", lat=45.0, lon=4.0, can_ship=True, can_pickup=True,
        capacity_units=None, handling_cost=0.3, shipment_cost=4.0, cost_per_km=0.01,
        enabled=enabled,
    )  # fmt: skip


@pytest.fixture
def sf(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The session factory, with nodes N1-N3 and SKUs S1-S2 in the catalog."""
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        uow.session.add_all([_node(n) for n in NODES])
        uow.session.add_all([Sku(id=s, name=s, price_minor=1999, currency="EUR") for s in SKUS])
        uow.commit()
    return session_factory


def committed(sf: sessionmaker[Session], work: Any) -> Any:
    return run_transaction(sf, work)


def stock(sf: sessionmaker[Session], node: str, sku: str) -> StockLevel | None:
    with SqlUnitOfWork(sf, message_bus()) as uow:
        return ledger.levels(uow.session, node, sku)


def event_types(sf: sessionmaker[Session]) -> list[str]:
    with SqlUnitOfWork(sf, message_bus()) as uow:
        return list(uow.session.scalars(select(EventRecord.type).order_by(EventRecord.id)))


# ---------------------------------------------------------------- schema


def test_migrations_create_every_table_exactly_as_the_models_say(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert tables == set(metadata.tables) | {"alembic_version"}
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_migrating_again_changes_nothing(engine: Engine, db_url: str) -> None:
    migrate(db_url)
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    from oms.db.engine import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_the_latest_migration_downgrades_and_upgrades_again(engine: Engine, db_url: str) -> None:
    from alembic import command

    from oms.db.engine import alembic_config

    command.downgrade(alembic_config(db_url), "0001")  # through every later one
    assert "picks" not in inspect(engine).get_table_names()
    migrate(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_database_refuses_reserved_above_on_hand(sf: sessionmaker[Session]) -> None:
    from sqlalchemy.exc import IntegrityError

    from oms.inventory.model import StockItem

    with SqlUnitOfWork(sf, message_bus()) as uow, pytest.raises(IntegrityError):
        uow.session.add(StockItem(node_id="N1", sku_id="S1", on_hand=1, reserved=2))
        uow.session.flush()


# ---------------------------------------------------------------- single-row changes


def test_receive_creates_the_row_and_adds_up(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 5))
    after = committed(sf, lambda s: ledger.receive(s, "N1", "S1", 3, ref="PO-1"))
    assert after == StockLevel(on_hand=8, reserved=0, safety_stock=0)
    assert event_types(sf) == ["StockReceived", "StockReceived"]


def test_set_stock_is_a_put_and_refuses_on_hand_below_reserved(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.set_stock(s, "N1", "S1", on_hand=10, safety_stock=2))
    assert committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 6)])) == []
    with pytest.raises(StockBelowReserved) as err:
        committed(sf, lambda s: ledger.set_stock(s, "N1", "S1", on_hand=5))
    assert (err.value.code, err.value.on_hand, err.value.reserved) == ("stock_below_reserved", 5, 6)
    after = committed(sf, lambda s: ledger.set_stock(s, "N1", "S1", on_hand=6, safety_stock=0))
    assert after == StockLevel(on_hand=6, reserved=6, safety_stock=0)


def test_adjust_never_takes_on_hand_below_reserved(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 10))
    committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 4)]))
    with pytest.raises(StockBelowReserved):
        committed(sf, lambda s: ledger.adjust(s, "N1", "S1", -7, "damaged"))
    after = committed(sf, lambda s: ledger.adjust(s, "N1", "S1", -6, "damaged"))
    assert after == StockLevel(on_hand=4, reserved=4, safety_stock=0)
    with pytest.raises(InvalidQuantity):
        committed(sf, lambda s: ledger.adjust(s, "N1", "S1", 0, "nothing"))


def test_unknown_nodes_and_skus_are_named(sf: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownNode, match='"NX"'):
        committed(sf, lambda s: ledger.receive(s, "NX", "S1", 1))
    with pytest.raises(UnknownSku, match='"SX"'):
        committed(sf, lambda s: ledger.set_stock(s, "N1", "SX", on_hand=1))
    with pytest.raises(UnknownSku):
        committed(sf, lambda s: ledger.hold(s, [("N1", "SX", 1)]))


# ---------------------------------------------------------------- holds, releases, shipments


def test_hold_release_and_ship_move_reserved_and_on_hand(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 10))
    assert committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 4)], ref="R-1")) == []
    assert stock(sf, "N1", "S1") == StockLevel(10, 4, 0)
    committed(sf, lambda s: ledger.release(s, [("N1", "S1", 1)], ref="R-1"))
    assert stock(sf, "N1", "S1") == StockLevel(10, 3, 0)
    committed(sf, lambda s: ledger.commit_shipment(s, [("N1", "S1", 3)], ref="O-1"))
    assert stock(sf, "N1", "S1") == StockLevel(7, 0, 0)
    assert event_types(sf)[-3:] == ["StockReserved", "StockReleased", "StockShipped"]


def test_hold_merges_duplicate_rows(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 5))
    rows = [("N1", "S1", 2), ("N1", "S1", 3)]
    assert committed(sf, lambda s: ledger.hold(s, rows)) == []
    assert stock(sf, "N1", "S1") == StockLevel(5, 5, 0)


def test_hold_reports_every_shortfall_and_holds_nothing(sf: sessionmaker[Session]) -> None:
    for node, sku, qty in [("N1", "S1", 5), ("N2", "S1", 1), ("N2", "S2", 9), ("N3", "S2", 0)]:
        committed(sf, lambda s, n=node, k=sku, q=qty: ledger.set_stock(s, n, k, on_hand=q))
    rows = [("N3", "S2", 1), ("N1", "S1", 5), ("N2", "S2", 2), ("N2", "S1", 4), ("N3", "S1", 1)]
    with SqlUnitOfWork(sf, message_bus()) as uow:
        shortfalls = ledger.hold(uow.session, rows)
        # Nothing is held even before the rollback: the rows that fitted were put back.
        assert ledger.levels(uow.session, "N1", "S1") == StockLevel(5, 0, 0)
    assert shortfalls == [
        Shortfall("N2", "S1", requested=4, available=1),
        Shortfall("N3", "S1", requested=1, available=0),  # no row at all
        Shortfall("N3", "S2", requested=1, available=0),
    ]
    assert [stock(sf, n, k) for n, k in [("N1", "S1"), ("N2", "S1"), ("N2", "S2")]] == [
        StockLevel(5, 0, 0),
        StockLevel(1, 0, 0),
        StockLevel(9, 0, 0),
    ]
    assert event_types(sf) == ["StockSet"] * 4
    err = InsufficientStock(shortfalls)
    assert err.code == "insufficient_stock" and 'node "N3" sku "S2"' in err.detail


def test_safety_stock_is_never_promised_but_reserved_units_still_ship(
    sf: sessionmaker[Session],
) -> None:
    committed(sf, lambda s: ledger.set_stock(s, "N1", "S1", on_hand=10, safety_stock=3))
    assert committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 8)])) == [
        Shortfall("N1", "S1", 8, 7)
    ]
    assert committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 7)])) == []
    with SqlUnitOfWork(sf, message_bus()) as uow:
        assert ledger.available(uow.session, ["S1"]) == {("N1", "S1"): 0}
    committed(sf, lambda s: ledger.commit_shipment(s, [("N1", "S1", 7)]))
    assert stock(sf, "N1", "S1") == StockLevel(3, 0, 3)


@pytest.mark.parametrize("operation", [ledger.release, ledger.commit_shipment])
def test_releasing_or_shipping_more_than_reserved_changes_nothing(
    sf: sessionmaker[Session], operation: Any
) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 10))
    committed(sf, lambda s: ledger.receive(s, "N2", "S1", 10))
    committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 2), ("N2", "S1", 2)]))
    before = event_types(sf)
    with SqlUnitOfWork(sf, message_bus()) as uow:
        with pytest.raises(NotReserved) as err:
            operation(uow.session, [("N1", "S1", 2), ("N2", "S1", 3), ("N2", "S2", 1)])
        uow.commit()  # even committed, the failed call left nothing behind
    assert err.value.shortfalls == [Shortfall("N2", "S1", 3, 2), Shortfall("N2", "S2", 1, 0)]
    assert stock(sf, "N1", "S1") == StockLevel(10, 2, 0)
    assert event_types(sf) == before


def test_invalid_quantities_are_refused_before_anything_runs(sf: sessionmaker[Session]) -> None:
    with pytest.raises(InvalidQuantity) as err:
        committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 0), ("N1", "S2", -1)]))
    assert len(err.value.problems) == 2
    for bad in (0, -2, 1.5, True):
        with pytest.raises(InvalidQuantity):
            committed(sf, lambda s, q=bad: ledger.receive(s, "N1", "S1", q))


def test_available_is_a_snapshot_of_atp_without_disabled_nodes(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.set_stock(s, "N1", "S1", on_hand=9, safety_stock=2))
    committed(sf, lambda s: ledger.set_stock(s, "N2", "S1", on_hand=4))
    committed(sf, lambda s: ledger.set_stock(s, "N3", "S2", on_hand=4))
    committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 3)]))
    committed(sf, lambda s: s.get(Node, "N2").__setattr__("enabled", False))
    with SqlUnitOfWork(sf, message_bus()) as uow:
        s = uow.session
        assert ledger.available(s, ["S1", "S2"]) == {("N1", "S1"): 4, ("N3", "S2"): 4}
        assert ledger.available(s, ["S1"], enabled_only=False) == {
            ("N1", "S1"): 4,
            ("N2", "S1"): 4,
        }
        assert ledger.available(s, ["S1", "S2"], ["N3"]) == {("N3", "S2"): 4}
        assert ledger.available(s, []) == {}


# ---------------------------------------------------------------- events


def test_events_commit_and_roll_back_with_the_change(sf: sessionmaker[Session]) -> None:
    with SqlUnitOfWork(sf, message_bus()) as uow:
        ledger.receive(uow.session, "N1", "S1", 5)
        ledger.hold(uow.session, [("N1", "S1", 2)], ref="R-9")
        # no commit: leaving the block rolls back
    assert stock(sf, "N1", "S1") is None
    assert event_types(sf) == []
    with SqlUnitOfWork(sf, message_bus()) as uow:
        ledger.receive(uow.session, "N1", "S1", 5)
        ledger.hold(uow.session, [("N1", "S1", 2)], ref="R-9")
        uow.commit()
    with SqlUnitOfWork(sf, message_bus()) as uow:
        history = uow.events.history(Aggregate.INVENTORY, ledger.stock_key("N1", "S1"))
    assert [e.type for e in history] == ["StockReceived", "StockReserved"]
    assert history[1].payload == {
        "node_id": "N1", "sku_id": "S1", "qty": 2, "ref": "R-9",
        "on_hand": 5, "reserved": 2, "safety_stock": 0, "atp": 3,
    }  # fmt: skip
    assert history[0].occurred_at.tzinfo is not None


# ---------------------------------------------------------------- concurrency


def _hold_one(sf: sessionmaker[Session], rows: list[tuple[str, str, int]]) -> str:
    try:
        run_transaction(sf, lambda s: ledger.hold_or_raise(s, rows), attempts=10)
    except InsufficientStock:
        return "short"
    return "held"


def _race(sf: sessionmaker[Session], jobs: list[list[tuple[str, str, int]]]) -> Counter[str]:
    """Every job in its own thread and transaction, released together."""
    gate = threading.Barrier(len(jobs))

    def job(rows: list[tuple[str, str, int]]) -> str:
        gate.wait()
        return _hold_one(sf, rows)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return Counter(pool.map(job, jobs))  # re-raises any other error


def _reserved_events(sf: sessionmaker[Session]) -> int:
    with SqlUnitOfWork(sf, message_bus()) as uow:
        stmt = select(func.count()).where(EventRecord.type == "StockReserved")
        return int(uow.session.scalar(stmt) or 0)


def test_a_second_writer_waits_for_the_first_and_then_sees_its_stock(
    sf: sessionmaker[Session], engine: Engine
) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 1))
    with SqlUnitOfWork(sf, message_bus()) as first:
        ledger.receive(first.session, "N1", "S1", 4)  # holds the write lock (SQLite) / row lock
        with ThreadPoolExecutor(max_workers=2) as pool:
            # No retries: the writer must queue (busy_timeout / row lock), not fail.
            second = pool.submit(
                run_transaction, sf, lambda s: ledger.hold(s, [("N1", "S1", 5)]), attempts=1
            )
            reader = pool.submit(stock, make_session_factory(read_only(engine)), "N1", "S1")
            assert reader.result(timeout=5) == StockLevel(1, 0, 0)  # readers are not blocked
            time.sleep(0.3)
            assert not second.done()
            first.commit()
            assert second.result(timeout=10) == []
    assert stock(sf, "N1", "S1") == StockLevel(5, 5, 0)


def test_32_threads_race_for_10_units_and_exactly_10_win(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 10))
    outcome = _race(sf, [[("N1", "S1", 1)]] * 32)
    assert outcome == Counter(held=10, short=22)
    assert stock(sf, "N1", "S1") == StockLevel(10, 10, 0)
    assert _reserved_events(sf) == 10


def test_multi_row_holds_in_any_order_never_deadlock(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 8))
    committed(sf, lambda s: ledger.receive(s, "N2", "S1", 8))
    forward, backward = [("N1", "S1", 1), ("N2", "S1", 1)], [("N2", "S1", 1), ("N1", "S1", 1)]
    outcome = _race(sf, [forward, backward] * 8)
    assert outcome == Counter(held=8, short=8)
    assert stock(sf, "N1", "S1") == stock(sf, "N2", "S1") == StockLevel(8, 8, 0)


def _process_worker(url: str, threads: int, gate: Any, results: Any) -> None:
    engine = make_engine(url)
    try:
        sf = make_session_factory(engine)
        gate.wait()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            futures = [pool.submit(_hold_one, sf, [("N1", "S1", 1)]) for _ in range(threads)]
            outcome: list[str] = []
            for f in futures:
                try:
                    outcome.append(f.result())
                except Exception as exc:  # reported to the parent, which fails the test
                    outcome.append(f"error: {exc!r}")
        results.put(outcome)
    finally:
        engine.dispose()


def test_4_processes_race_for_10_units_and_exactly_10_win(
    sf: sessionmaker[Session], db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("one SQLite writer at a time: the thread race covers it")
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 10))
    # Not fork: this process holds pooled connections. A fork server with the test module
    # preloaded starts workers fast (spawn would import everything four times).
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    gate, results = ctx.Barrier(4), ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(db_url, 6, gate, results)) for _ in "1234"]
    for p in procs:
        p.start()
    outcome = Counter(o for _ in procs for o in results.get(timeout=120))
    for p in procs:
        p.join(timeout=30)
    assert outcome == Counter(held=10, short=14)
    assert stock(sf, "N1", "S1") == StockLevel(10, 10, 0)
    assert _reserved_events(sf) == 10


OLD_NODE = (
    "INSERT INTO nodes (id, kind, lat, lon, can_ship, can_pickup, handling_cost, shipment_cost,"
    " cost_per_km, timezone, cutoff_time, processing_days, open_days, holidays, opens, closes,"
    " pick_lead_minutes, enabled, created_at) VALUES ('OLD', 'store', 48.8, 2.3, true, true,"
    " 0.5, 3.0, 0.01, 'UTC', '14:00', 0, '012345', '[]', '09:00', '18:00', 120, true,"
    " CURRENT_TIMESTAMP)"
)


def test_a_database_with_data_from_the_first_release_migrates_to_the_latest(db_url: str) -> None:
    from sqlalchemy import text

    from oms.db.engine import make_engine

    migrate(db_url, "0001")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(OLD_NODE))
        conn.execute(text("INSERT INTO skus VALUES ('S', 'S', 100, 'EUR', false)"))
        conn.execute(text("INSERT INTO inventory VALUES ('OLD', 'S', 5, 0, 0, 0)"))
    migrate(db_url)  # tables that others point at are rebuilt on SQLite: data and keys survive
    with engine.connect() as conn:
        node = conn.execute(text("SELECT store_protection, hold_days FROM nodes")).one()
        assert tuple(node) == (0, 7)
        assert conn.execute(text("SELECT on_hand FROM inventory")).scalar() == 5
    engine.dispose()


def test_reservations_and_orders_from_before_0005_migrate_to_their_methods_service(
    db_url: str,
) -> None:
    from sqlalchemy import text

    from oms.db.engine import make_engine

    migrate(db_url, "0004")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text(OLD_NODE))
        for rid, method, store in (("R-SHIP", "ship", None), ("R-PICK", "pickup", "OLD")):
            conn.execute(
                text(
                    "INSERT INTO reservations (id, status, method, pickup_node, expires_at,"
                    " created_at) VALUES (:id, 'converted', :m, :s, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"id": rid, "m": method, "s": store},
            )
            conn.execute(
                text(
                    "INSERT INTO orders (id, status, channel, method, pickup_node,"
                    " reservation_id, currency, created_at, updated_at, version) VALUES"
                    " (:id, 'allocated', 'web', :m, :s, :r, 'EUR', CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP, 0)"
                ),
                {"id": "O" + rid, "m": method, "s": store, "r": rid},
            )
    migrate(db_url)
    implied = [("pickup", "click_and_collect"), ("ship", "standard")]
    with engine.connect() as conn:
        for table in ("reservations", "orders"):
            rows = conn.execute(text(f"SELECT method, service FROM {table} ORDER BY id"))
            assert sorted(map(tuple, rows)) == implied
    engine.dispose()
