"""Webhooks survive a kill -9 of the server (issue 14, item 7): `oms serve --workers 2` on
PostgreSQL with fsync on, a webhook endpoint for ``order.created`` at a real receiver on
loopback, checkout clients placing orders, SIGKILL to every server process mid-load, a restart.
Afterwards every order the server acknowledged, and every order committed in the database, has
its ``order.created`` event at the receiver, signed (at least once: a send cut by the kill is
sent again once its lease runs out)."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from oms.orders.model import Order
from tests.integration.crash_support import (
    CrashableServer,
    DurablePgCluster,
    Load,
    drop_cluster,
    durable_cluster,
    seed_demo,
    session_on,
    small_problem,
)
from tests.live_server import free_port
from tests.webhook_receiver import Receiver


@pytest.fixture
def durable_pg() -> Iterator[DurablePgCluster]:
    cluster = durable_cluster()
    try:
        yield cluster
    finally:
        drop_cluster(cluster)


def created_orders(receiver: Receiver) -> Counter[str]:
    return Counter(
        r.body["data"]["order_id"]
        for r in receiver.delivered()
        if r.body["type"] == "order.created"
    )


@pytest.mark.slow
def test_every_committed_order_reaches_the_receiver_after_a_kill_9(
    durable_pg: DurablePgCluster, receiver: Receiver, tmp_path: Path
) -> None:
    began = time.monotonic()
    url = durable_pg.url()
    problem = small_problem(tmp_path / "network.json")
    keys = seed_demo(url, tmp_path, tmp_path / "network.json")
    server = CrashableServer(url, tmp_path, free_port())
    # The receiver is on loopback; a short timeout keeps the lease of a send cut by the kill short.
    server.env |= {"OMS_WEBHOOKS_ALLOW_PRIVATE": "true", "OMS_WEBHOOK_TIMEOUT_S": "1"}
    load = Load(server.base, keys["checkout"], problem, "hook-crash", threads=6)
    try:
        server.start(workers=2)
        ops = {"X-API-Key": keys["ops"]}
        body = {"url": receiver.url(), "events": ["order.created"]}
        made = httpx.post(f"{server.base}/v1/webhooks", json=body, headers=ops, timeout=10)
        assert made.status_code == 201, made.text
        receiver.secrets["/hook"] = made.json()["secret"]

        load.start()
        deadline = time.monotonic() + 60
        while load.acked() < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(random.uniform(0.5, 1.5))
        server.kill9()
        load.join()
        at_kill = len(created_orders(receiver))

        server.start(workers=1)
        with session_on(url) as session:
            committed = set(session.scalars(select(Order.id)))
        acked = {s.order_id for s in load.sent if s.acked}
        deadline = time.monotonic() + 40
        while not committed <= set(created_orders(receiver)) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.stop()
    got = created_orders(receiver)
    print(
        f"\nwebhook crash: acked={len(acked)} committed={len(committed)} "
        f"received before the kill={at_kill} after={len(got)} "
        f"sent twice={sum(1 for n in got.values() if n > 1)} "
        f"wall={time.monotonic() - began:.1f} s"
    )
    assert acked and acked <= committed
    assert not receiver.forged
    missing = committed - set(got)
    assert not missing, (
        f"{len(missing)} committed orders never reached the receiver: {sorted(missing)[:10]}"
    )
