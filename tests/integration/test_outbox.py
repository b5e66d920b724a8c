"""The outbox on SQLite and PostgreSQL: rows commit and roll back with their change, the
sequencer numbers them in commit order, and a feed follower sees each event once, in order,
while writers are still writing."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

import pytest
from sqlalchemy import Engine, func, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from oms.db import tables
from oms.db.engine import make_engine, make_session_factory
from oms.db.outbox import SqlFeed, sequence_pending
from oms.db.uow import SqlUnitOfWork
from oms.domain.bus import NO_HANDLERS
from oms.domain.events import NodeDisabled, OrderCreated
from oms.integrations.catalogue import OutboxMessage
from oms.integrations.feed import read_feed
from tests.integration.conftest import copy_pg_template


def _created(order_id: str) -> OrderCreated:
    return OrderCreated(order_id=order_id, reservation="R", channel="web", service="standard")


def _outbox_rows(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(tables.outbox)) or 0)


def test_an_outbox_row_commits_with_its_change_and_rolls_back_with_it(session_factory):
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        uow.emit(_created("O-kept"))
        uow.commit()
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        uow.emit(_created("O-dropped"))
        uow.flush()  # written, then rolled back: it never happened
        uow.rollback()
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        uow.emit(NodeDisabled(node_id="N-left"))  # the block ends without a commit
    with session_factory() as session:
        rows = session.execute(select(tables.outbox.c.type, tables.outbox.c.data)).all()
    assert rows == [("order.created", {**_created("O-kept").payload(), "order_id": "O-kept"})]


def test_sequencing_numbers_each_committed_row_once_and_fans_it_out_once(session_factory):
    for k in range(5):
        with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
            uow.emit(_created(f"O-{k}"))
            uow.commit()
    fanned: list[OutboxMessage] = []
    assert sequence_pending(session_factory, lambda _s, m: fanned.extend(m), limit=3) == 3
    assert sequence_pending(session_factory, lambda _s, m: fanned.extend(m), limit=3) == 2
    assert sequence_pending(session_factory, lambda _s, m: fanned.extend(m)) == 0
    assert [m.position for m in fanned] == [1, 2, 3, 4, 5]
    assert [m.data["order_id"] for m in fanned] == [f"O-{k}" for k in range(5)]


def test_a_fan_out_that_fails_leaves_the_rows_unsequenced(session_factory):
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        uow.emit(_created("O-1"))
        uow.commit()

    def broken(_session: Session, _messages: object) -> None:
        raise RuntimeError("receiver table unavailable")

    with pytest.raises(RuntimeError):
        sequence_pending(session_factory, broken)
    seen: list[OutboxMessage] = []
    assert sequence_pending(session_factory, lambda _s, m: seen.extend(m)) == 1
    assert [m.position for m in seen] == [1]


def _write_orders(sessions: sessionmaker[Session], writer: int, count: int) -> list[str]:
    """Commit ``count`` events, one transaction each, holding each open a little after its row
    is written so that transactions commit in another order than they wrote."""
    done = []
    rng = random.Random(writer)
    for k in range(count):
        order_id = f"W{writer}-{k}"
        with SqlUnitOfWork(sessions, NO_HANDLERS) as uow:
            uow.emit(_created(order_id))
            uow.flush()
            time.sleep(rng.random() * 0.004)
            uow.commit()
        done.append(order_id)
    return done


@pytest.fixture
def pg_sessions(pg_url: str, request: pytest.FixtureRequest) -> sessionmaker[Session]:
    copy_pg_template(request, str(make_url(pg_url).database))  # migrated
    engine: Engine = make_engine(pg_url)
    return make_session_factory(engine)


def test_a_feed_follower_sees_every_event_once_in_commit_order_while_writers_write(
    pg_sessions,
):
    writers, per_writer = 4, 60
    committed: dict[int, list[str]] = {}
    stop, writing = threading.Event(), threading.Event()
    seen: list[tuple[int, str]] = []

    def write(w: int) -> None:
        committed[w] = _write_orders(pg_sessions, w, per_writer)

    def sequence() -> None:
        while not writing.is_set():
            sequence_pending(pg_sessions, limit=7)
            time.sleep(0.001)

    def follow() -> None:
        cursor = None
        while True:
            final = stop.is_set()
            with pg_sessions() as session:
                page = read_feed(SqlFeed(session), cursor, ["order.*"], 5)
            seen.extend((m.position or 0, m.data["order_id"]) for m in page.events)
            cursor = page.next_cursor
            if final and not page.has_more:
                return

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    sequencer, follower = threading.Thread(target=sequence), threading.Thread(target=follow)
    for t in [*threads, sequencer, follower]:
        t.start()
    for t in threads:
        t.join()
    writing.set()
    sequencer.join()
    while sequence_pending(pg_sessions):
        pass
    stop.set()  # the follower's next pages see the last events, then it stops
    follower.join()

    positions = [p for p, _ in seen]
    assert positions == sorted(set(positions)), "out of order or seen twice"
    ids = [order_id for _, order_id in seen]
    assert sorted(ids) == sorted(i for found in committed.values() for i in found)
    by_writer: dict[str, list[str]] = defaultdict(list)
    for order_id in ids:
        by_writer[order_id.split("-")[0]].append(order_id)
    assert by_writer == {f"W{w}": committed[w] for w in range(writers)}


def test_two_sequencers_at_once_fan_each_event_out_exactly_once(pg_sessions):
    for k in range(300):
        with SqlUnitOfWork(pg_sessions, NO_HANDLERS) as uow:
            uow.emit(_created(f"O-{k}"))
            uow.commit()
    fanned: list[str] = []
    lock = threading.Lock()

    def fan_out(_session: Session, messages: list[OutboxMessage]) -> None:
        time.sleep(0.002)  # hold the counter a while: the other sequencer must skip, not wait
        with lock:
            fanned.extend(m.event_id for m in messages)

    def run() -> None:
        while sequence_pending(pg_sessions, fan_out, limit=20) or _unsequenced(pg_sessions):
            pass

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fanned) == len(set(fanned)) == 300 == _outbox_rows(pg_sessions)


def _unsequenced(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        stmt = select(func.count()).where(tables.outbox.c.position.is_(None))
        return int(session.scalar(stmt) or 0)
