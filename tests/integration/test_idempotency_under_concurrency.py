"""Idempotency keys under concurrency, against a real `oms serve` process on SQLite and
PostgreSQL: twenty checkouts sending the same request with the same Idempotency-Key at once
make one order (or reservation), take the stock once, and every caller gets that answer; the
key with another body is refused; keys are scoped to the API key that sent them."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from oms.access.keys import create_key
from oms.db.engine import make_engine, make_session_factory, migrate
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.orders.model import IdempotencyRecord, Order, Reservation
from tests.e2e.test_catalog_api import NODE
from tests.e2e.test_promise_api import CART, STORE
from tests.integration.conftest import PgCluster, _admin
from tests.live_server import LiveServer

# One server process per backend for the module (it took 10-18 s to start on the shared CI
# machine, and 13 tests each started one): the tests share its database, so each uses its own
# Idempotency-Keys and counts what it made relative to what was there before it.
pytestmark = pytest.mark.slow
N = 20  # concurrent callers
TIMEOUT_S = 30.0  # any one wait: a request, the barrier, the whole burst
# The e2e tests' DC (without its capacity limit: the burst must not run into it) and store.
NODES = [{**NODE, "capacity_units": None}, STORE]
ORDER = {**CART, "method": "ship"}
HOLD = {**CART, "method": "ship", "ttl_seconds": 600}


@dataclass
class Live:
    base: str
    url: str  # the database the server runs on
    ops: dict[str, str]
    checkout: dict[str, str]
    other_checkout: dict[str, str]  # a second checkout API key

    def get(self, path: str, headers: dict[str, str]) -> httpx.Response:
        return httpx.get(self.base + path, headers=headers, timeout=TIMEOUT_S)

    def reserved(self) -> int:
        r = self.get("/v1/inventory/MUG", self.ops)
        assert r.status_code == 200, r.text
        return sum(int(row["reserved"]) for row in r.json()["nodes"])

    def count(self, table: Any, **where: Any) -> int:
        """Rows in the server's database, read beside it."""
        stmt = select(func.count()).select_from(table)
        for name, value in where.items():
            stmt = stmt.where(getattr(table, name) == value)
        engine = make_engine(self.url, pool_size=1, max_overflow=0)
        try:
            with make_session_factory(engine)() as session:
                return int(session.scalar(stmt) or 0)
        finally:
            engine.dispose()


def _keys(url: str) -> dict[str, str]:
    """Migrate the database and make the API keys before the server starts."""
    migrate(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        with SqlUnitOfWork(make_session_factory(engine), message_bus()) as uow:
            keys = {
                "ops": create_key(uow, "ops"),
                "checkout": create_key(uow, "checkout"),
                "other": create_key(uow, "checkout"),
            }
    finally:
        engine.dispose()
    return keys


def _seed(base: str, ops: dict[str, str]) -> None:
    with httpx.Client(base_url=base, headers=ops, timeout=TIMEOUT_S) as client:
        for node in NODES:
            r = client.post("/v1/nodes", json=node)
            assert r.status_code == 201, r.text
        r = client.put("/v1/skus/MUG", json={"name": "Mug", "price_minor": 1299})
        assert r.status_code == 200, r.text
        for node, qty in (("DC-LYON", 100), ("ST-PARIS", 5)):
            r = client.put(f"/v1/inventory/{node}/MUG", json={"on_hand": qty})
            assert r.status_code == 200, r.text


@pytest.fixture(scope="module")
def module_pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A database of its own in the session's cluster, for this module's server."""
    name = f"oms_idem_{uuid.uuid4().hex[:12]}"
    _admin(pg_cluster, "CREATE DATABASE {}", name)
    try:
        yield pg_cluster.url(name)
    finally:
        _admin(pg_cluster, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    tmp_path = tmp_path_factory.mktemp(f"idempotency-{request.param}")
    # Looked up lazily, so that a SQLite-only selection never starts PostgreSQL.
    url = (
        f"sqlite:///{tmp_path / 'oms.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("module_pg_url"))
    )
    keys = _keys(url)
    # Stopped however the test ends, even when it never became ready: SIGTERM to its process
    # group, SIGKILL when it is still there after a timeout (LiveServer.__exit__).
    server = LiveServer(url, tmp_path)
    try:
        server.__enter__()
        _seed(server.base, {"X-API-Key": keys["ops"]})
        yield Live(
            server.base,
            url,
            {"X-API-Key": keys["ops"]},
            {"X-API-Key": keys["checkout"]},
            {"X-API-Key": keys["other"]},
        )
    finally:
        server.__exit__(None, None, None)


def burst(
    live: Live, path: str, calls: list[tuple[dict[str, Any], dict[str, str]]]
) -> list[tuple[int, dict[str, Any]]]:
    """Every (body, headers) POSTed to ``path`` at the same moment, one thread each; the
    statuses and bodies in call order."""
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT_S)

    def one(call: tuple[dict[str, Any], dict[str, str]]) -> tuple[int, dict[str, Any]]:
        body, headers = call
        with httpx.Client(base_url=live.base, timeout=TIMEOUT_S) as client:
            client.get("/healthz")  # connected before the start line
            barrier.wait()
            r = client.post(path, json=body, headers=headers)
            return r.status_code, r.json()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls, timeout=3 * TIMEOUT_S))


def _answers_once(answers: list[tuple[int, dict[str, Any]]]) -> str:
    """Exactly one 201; every other answer a 200 with the same id (or a 409 asking to retry);
    never a server error. The id made."""
    statuses = Counter(status for status, _ in answers)
    assert not [a for a in answers if a[0] >= 500], answers
    assert statuses[201] == 1, statuses
    [made] = [body["id"] for status, body in answers if status == 201]
    for status, body in answers:
        if status == 200:
            assert body["id"] == made, body
        elif status == 409:
            assert body["error"] == "request_in_progress", body
        else:
            assert status == 201, (status, body)
    return str(made)


def test_twenty_concurrent_orders_with_one_key_make_one_order_and_take_the_stock_once(live):
    before = live.reserved()
    orders, reservations = live.count(Order), live.count(Reservation)
    headers = {**live.checkout, "Idempotency-Key": "order-once"}
    answers = burst(live, "/v1/orders", [(ORDER, headers)] * N)
    made = _answers_once(answers)
    assert live.reserved() == before + 2
    assert live.count(Order) == orders + 1 and live.count(Reservation) == reservations + 1
    assert live.count(IdempotencyRecord, endpoint="orders", key="order-once") == 1
    r = live.get(f"/v1/orders/{made}", live.checkout)
    assert r.status_code == 200 and r.json()["lines"][0]["qty"] == 2, r.text
    # A late retry replays the order as well.
    late = httpx.post(live.base + "/v1/orders", json=ORDER, headers=headers, timeout=TIMEOUT_S)
    assert late.status_code == 200 and late.json()["id"] == made, late.text
    assert live.reserved() == before + 2


def test_twenty_concurrent_reservations_with_one_key_hold_the_stock_once(live):
    before = live.reserved()
    orders, reservations = live.count(Order), live.count(Reservation)
    headers = {**live.checkout, "Idempotency-Key": "hold-once"}
    answers = burst(live, "/v1/reservations", [(HOLD, headers)] * N)
    made = _answers_once(answers)
    held = [body["lines"] for status, body in answers if status in (200, 201)]
    assert all(lines == held[0] for lines in held) and sum(x["qty"] for x in held[0]) == 2
    assert live.reserved() == before + 2
    assert live.count(Reservation) == reservations + 1 and live.count(Order) == orders
    r = live.get(f"/v1/reservations/{made}", live.checkout)
    assert r.status_code == 200 and r.json()["status"] == "active", r.text


def test_the_same_key_with_another_body_is_409_idempotency_key_reused(live):
    headers = {**live.checkout, "Idempotency-Key": "one-body"}
    orders = live.count(Order)
    first = httpx.post(live.base + "/v1/orders", json=ORDER, headers=headers, timeout=TIMEOUT_S)
    assert first.status_code == 201, first.text
    before = live.reserved()
    other = {**ORDER, "lines": [{"sku": "MUG", "qty": 3}]}
    for path, body in (("/v1/orders", other), ("/v1/orders", {**ORDER, "shipping_minor": 5})):
        r = httpx.post(live.base + path, json=body, headers=headers, timeout=TIMEOUT_S)
        assert r.status_code == 409 and r.json()["error"] == "idempotency_key_reused", r.text
    assert live.reserved() == before and live.count(Order) == orders + 1


def test_two_bodies_racing_on_one_key_make_one_order_and_refuse_the_other(live):
    headers = {**live.checkout, "Idempotency-Key": "racing-bodies"}
    other = {**ORDER, "lines": [{"sku": "MUG", "qty": 3}]}
    before, orders = live.reserved(), live.count(Order)
    answers = burst(live, "/v1/orders", [(ORDER, headers), (other, headers)] * (N // 2))
    assert not [a for a in answers if a[0] >= 500], answers
    assert Counter(s for s, _ in answers)[201] == 1, answers
    [(won, made)] = [(i % 2, body) for i, (s, body) in enumerate(answers) if s == 201]
    for i, (status, body) in enumerate(answers):
        if status == 201:
            continue
        if i % 2 == won:  # the winner's body: replayed (or asked to retry)
            assert (status == 200 and body["id"] == made["id"]) or (
                status == 409 and body["error"] == "request_in_progress"
            ), (status, body)
        else:  # the other body: refused
            assert status == 409, (status, body)
            assert body["error"] in ("idempotency_key_reused", "request_in_progress"), body
    assert live.reserved() == before + made["lines"][0]["qty"]
    assert live.count(Order) == orders + 1


def test_the_same_key_from_another_checkout_api_key_is_a_new_order(live):
    key = "shared-key"
    before, orders = live.reserved(), live.count(Order)
    mine = {**live.checkout, "Idempotency-Key": key}
    theirs = {**live.other_checkout, "Idempotency-Key": key}
    first = httpx.post(live.base + "/v1/orders", json=ORDER, headers=mine, timeout=TIMEOUT_S)
    assert first.status_code == 201, first.text
    second = httpx.post(live.base + "/v1/orders", json=ORDER, headers=theirs, timeout=TIMEOUT_S)
    assert second.status_code == 201, second.text
    assert second.json()["id"] != first.json()["id"]
    assert live.reserved() == before + 4 and live.count(Order) == orders + 2
    # Each API key replays its own order.
    for headers, made in ((mine, first), (theirs, second)):
        r = httpx.post(live.base + "/v1/orders", json=ORDER, headers=headers, timeout=TIMEOUT_S)
        assert r.status_code == 200 and r.json()["id"] == made.json()["id"], r.text


def test_two_checkout_api_keys_racing_with_one_key_make_one_order_each(live):
    key = "raced-across-api-keys"
    before, orders = live.reserved(), live.count(Order)
    mine = {**live.checkout, "Idempotency-Key": key}
    theirs = {**live.other_checkout, "Idempotency-Key": key}
    answers = burst(live, "/v1/orders", [(ORDER, mine), (ORDER, theirs)] * (N // 2))
    first = _answers_once(answers[0::2])
    second = _answers_once(answers[1::2])
    assert first != second
    assert live.reserved() == before + 4 and live.count(Order) == orders + 2


@pytest.mark.parametrize("live", ["sqlite"], indirect=True)
def test_a_chunked_order_body_over_the_cap_is_413_on_the_real_server_and_writes_nothing(live):
    """Sent in chunks without a Content-Length (the cap is counted as the body arrives)."""
    line = b'{"sku": "MUG", "qty": 1}'
    body = (
        b'{"lines": ['
        + b",".join([line] * (2_000_000 // len(line)))
        + b'], "destination": {"lat": 48.85, "lon": 2.35}}'
    )

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    before, orders = live.reserved(), live.count(Order)
    headers = {**live.checkout, "Content-Type": "application/json", "Idempotency-Key": "big"}
    r = httpx.post(live.base + "/v1/orders", content=chunks(), headers=headers, timeout=TIMEOUT_S)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.request.headers
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large", r.text
    assert live.reserved() == before and live.count(Order) == orders
    assert live.count(IdempotencyRecord, key="big") == 0
    assert live.get("/readyz", {}).status_code == 200  # and the server still serves
