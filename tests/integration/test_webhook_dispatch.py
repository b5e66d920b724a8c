"""The webhook dispatcher on real SQLite and PostgreSQL, sending to a real receiver on loopback
that verifies every signature with the standardwebhooks library. Time is virtual where the
schedule matters (``tick(now=...)``); the signatures carry the real time, as receivers want."""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oms.db.engine import make_engine, make_session_factory, read_only
from oms.db.uow import SqlUnitOfWork
from oms.db.webhook_dispatch import SqlDeliveryStore
from oms.domain import events as e
from oms.domain.bus import NO_HANDLERS
from oms.integrations import webhooks
from oms.integrations.dispatcher import Dispatcher
from oms.integrations.webhooks import UrlPolicy
from oms.integrations.webhooks_http import HttpSender
from oms.integrations.webhooks_model import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from oms.integrations.webhooks_schedule import JITTER, MAX_ATTEMPTS, RETRY_DELAYS
from tests.webhook_receiver import Receiver

LOCAL = UrlPolicy(allow_private=True)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def dispatcher(sf: sessionmaker[Session], **kw: object) -> Dispatcher:
    readers = make_session_factory(read_only(sf.kw["bind"]))
    sender = HttpSender(2.0, allow_private=True)
    return Dispatcher(SqlDeliveryStore(sf, readers), sender, **kw)  # type: ignore[arg-type]


def register(sf: sessionmaker[Session], receiver: Receiver, events: list[str]) -> WebhookEndpoint:
    with SqlUnitOfWork(sf, NO_HANDLERS) as uow:
        hook = webhooks.create_endpoint(uow, receiver.url(), events, policy=LOCAL)
    receiver.secrets["/hook"] = hook.secret
    return hook


def ship(sf: sessionmaker[Session], orders: int, steps: int) -> list[str]:
    """For each step, one transaction raising an event on every order (interleaved orders);
    the event types in the order raised."""
    kinds = []
    for step in range(steps):
        with SqlUnitOfWork(sf, NO_HANDLERS) as uow:
            for n in range(orders):
                uow.emit(e.Shipped(order_id=f"O-{n}", shipment=f"S-{n}-{step}", tracking=str(step)))
                kinds.append("order.shipped")
            uow.commit()
    return kinds


def deliveries(sf: sessionmaker[Session], hook: WebhookEndpoint) -> list[WebhookDelivery]:
    with SqlUnitOfWork(sf, NO_HANDLERS) as uow:
        return uow.webhook_deliveries.list_by(endpoint_id=hook.id, order_by="position")


def run_until_done(
    d: Dispatcher, sf: sessionmaker[Session], hook: WebhookEndpoint, now: datetime
) -> int:
    """Tick at ``now``, then at each next due time, until nothing is pending; the ticks."""
    for ticks in range(1, 500):
        d.tick(now=now, wait_for_sends=True)
        pending = [x for x in deliveries(sf, hook) if x.status is DeliveryStatus.PENDING]
        if not pending:
            return ticks
        # What is due now was sent or waits behind an earlier event: on to the next retry.
        later = [
            x.next_attempt_at for x in pending if x.next_attempt_at and x.next_attempt_at > now
        ]
        now = min(later, default=now)
    raise AssertionError("deliveries still pending after 500 ticks")


def in_order_per_order(receiver: Receiver) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for got in receiver.delivered():
        seen[got.body["data"]["order_id"]].append(got.body["data"]["tracking"])
    return dict(seen)


def test_every_event_arrives_once_signed_and_each_orders_events_in_order(session_factory, receiver):
    hook = register(session_factory, receiver, ["order.*"])
    ship(session_factory, orders=3, steps=4)
    run_until_done(dispatcher(session_factory), session_factory, hook, T0)
    assert not receiver.forged
    got = receiver.delivered()
    assert len(got) == 12 and len({r.webhook_id for r in got}) == 12
    assert all(r.webhook_id == r.body["id"] and r.body["type"] == "order.shipped" for r in got)
    assert in_order_per_order(receiver) == {f"O-{n}": ["0", "1", "2", "3"] for n in range(3)}
    done = deliveries(session_factory, hook)
    assert {(x.status, x.attempts, x.last_status_code) for x in done} == {("succeeded", 1, 200)}


def test_an_event_no_endpoint_subscribes_to_is_sequenced_and_sent_nowhere(
    session_factory, receiver
):
    hook = register(session_factory, receiver, ["return.*"])
    ship(session_factory, orders=1, steps=1)
    assert dispatcher(session_factory).tick(now=T0, wait_for_sends=True) == 0
    assert deliveries(session_factory, hook) == [] and receiver.received == []


def test_a_receiver_answering_500_is_retried_on_the_schedule_then_given_up(
    session_factory, receiver
):
    receiver.status = 500
    hook = register(session_factory, receiver, ["*"])
    ship(session_factory, orders=1, steps=1)
    d, at, times = dispatcher(session_factory), T0, []
    for _ in range(MAX_ATTEMPTS + 2):
        if d.tick(now=at, wait_for_sends=True):
            times.append(at)
        [x] = deliveries(session_factory, hook)
        if x.next_attempt_at is None:
            break
        at = x.next_attempt_at
    assert x.status is DeliveryStatus.FAILED and x.attempts == MAX_ATTEMPTS == len(times)
    for (a, b), base in zip(itertools.pairwise(times), RETRY_DELAYS, strict=True):
        assert base * (1 - JITTER) <= b - a <= base * (1 + JITTER)
    assert len(receiver.received) == MAX_ATTEMPTS and not receiver.forged
    assert len({r.webhook_id for r in receiver.received}) == 1  # the same webhook-id each time
    assert len({str(r.body) for r in receiver.received}) == 1  # and the same body
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        [log] = webhooks.list_deliveries(uow, hook.id)
    assert [(a.number, a.status_code) for a in log.attempts] == [(n, 500) for n in range(1, 9)]
    assert [a.attempted_at for a in log.attempts] == times


def test_a_receiver_down_for_an_hour_gets_everything_in_order_once_it_is_back(
    session_factory, receiver
):
    hook = register(session_factory, receiver, ["order.*"])
    receiver.down()
    ship(session_factory, orders=4, steps=3)
    d, at = dispatcher(session_factory), T0
    while at < T0 + timedelta(hours=1):  # every minute for an hour: every attempt fails
        d.tick(now=at, wait_for_sends=True)
        at += timedelta(minutes=1)
    failed_so_far = sum(x.attempts for x in deliveries(session_factory, hook))
    assert failed_so_far > 0 and receiver.received == []
    receiver.up()
    run_until_done(d, session_factory, hook, at)
    assert not receiver.forged and len(receiver.delivered()) == 12
    assert in_order_per_order(receiver) == {f"O-{n}": ["0", "1", "2"] for n in range(4)}


def test_a_delivery_held_by_a_dead_dispatcher_is_sent_by_another_once_its_lease_runs_out(
    session_factory, receiver
):
    hook = register(session_factory, receiver, ["*"])
    ship(session_factory, orders=1, steps=1)
    dead = dispatcher(session_factory)
    dead.store.sequence(T0)
    [(delivery_id, _)] = dead.store.due(T0, 10)
    assert len(dead.store.lease([delivery_id], T0, T0 + dead.lease)) == 1  # then it died
    other = dispatcher(session_factory)
    assert other.tick(now=T0 + timedelta(seconds=1), wait_for_sends=True) == 0
    assert other.tick(now=T0 + dead.lease, wait_for_sends=True) == 1
    assert [r.webhook_id for r in receiver.delivered()] == [
        deliveries(session_factory, hook)[0].event_id
    ]


def test_a_paused_endpoint_gets_its_events_when_resumed(session_factory, receiver):
    hook = register(session_factory, receiver, ["*"])
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        webhooks.update_endpoint(uow, hook.id, {"status": "paused"}, LOCAL)
    ship(session_factory, orders=2, steps=2)
    d = dispatcher(session_factory)
    assert d.tick(now=T0, wait_for_sends=True) == 0 and receiver.received == []
    with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
        webhooks.update_endpoint(uow, hook.id, {"status": "active"}, LOCAL)
    run_until_done(d, session_factory, hook, T0)
    assert in_order_per_order(receiver) == {"O-0": ["0", "1"], "O-1": ["0", "1"]}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_dispatchers_on_postgresql_deliver_each_event_exactly_once_in_order(
    db_url, session_factory, receiver
):
    hook = register(session_factory, receiver, ["order.*"])
    ship(session_factory, orders=10, steps=10)
    engines = [make_engine(db_url, pool_size=10, max_overflow=0) for _ in range(2)]
    stop = threading.Event()
    runners = [dispatcher(make_session_factory(engine)) for engine in engines]
    threads = [threading.Thread(target=r.run, args=(stop, 0.01)) for r in runners]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(receiver.delivered()) < 100 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # anything sent twice would arrive by now
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        for engine in engines:
            engine.dispose()
    got = receiver.delivered()
    assert not receiver.forged and len(got) == 100 and len({r.webhook_id for r in got}) == 100
    assert in_order_per_order(receiver) == {
        f"O-{n}": [str(s) for s in range(10)] for n in range(10)
    }
    senders = {x.lease_token for x in deliveries(session_factory, hook)}
    assert senders == {None}  # every lease released by its result
