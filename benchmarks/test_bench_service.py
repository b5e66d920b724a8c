"""The service under load on loopback (issue 4): promise requests per second and p50/p99 over
HTTP on SQLite next to a bare FastAPI ceiling served the same way; reservations per second on
PostgreSQL with 64 concurrent clients, and the oversell count (must be 0).

Targets: promise >= 50% of the ceiling and >= 2,000 req/s with p99 <= 20 ms; >= 500
reservations/s. wrk (Debian's package; .ci/run installs it) drives the load; each run is bounded.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from benchmarks.conftest import STRICT
from benchmarks.serving import have_wrk, uvicorn_server, wrk_post
from oms.access.keys import create_key
from oms.db import ledger
from oms.db.engine import make_engine, make_session_factory, migrate
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.inventory.model import Node, Sku, StockItem
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import (
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from oms.seed import seed_network

pytestmark = pytest.mark.skipif(not have_wrk(), reason="wrk is not installed (.ci/run installs it)")
DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo-fr.json"
CART = {"lines": [{"sku": "SKU-00001", "qty": 1}], "destination": {"lat": 48.85, "lon": 2.35}}
# Checkout traffic: carts of 1-3 of the 40 first stocked SKUs to the largest French cities.
CITIES = [(48.85, 2.35), (45.76, 4.84), (43.30, 5.37), (43.60, 1.44), (50.63, 3.06), (47.22, -1.55)]
STOCKED = sorted({row["sku"] for row in json.loads(DEMO.read_text())["inventory"]})[:40]
CARTS = [
    {
        "lines": [{"sku": STOCKED[(k * 7 + j) % 40], "qty": 1 + j % 2} for j in range(1 + k % 3)],
        "destination": {"lat": CITIES[k % 6][0], "lon": CITIES[k % 6][1]},
    }
    for k in range(48)
]
APP = "oms.bootstrap:app_from_env"


def seeded(url: str, extra_stock: dict[str, int] | None = None) -> str:
    """Migrate and seed the demo network; returns a checkout key."""
    migrate(url)
    engine = make_engine(url)
    with SqlUnitOfWork(make_session_factory(engine), message_bus()) as uow:
        seed_network(uow, DEMO)
        session = uow.session
        if extra_stock:  # the load must not run into the DCs' daily capacity instead of stock
            for node in ("DC-PARIS", "DC-LYON"):
                session.get(Node, node).capacity_units = None  # type: ignore[union-attr]
        for sku, qty in (extra_stock or {}).items():
            session.add(Sku(id=sku, name=sku, price_minor=100, currency="EUR"))
            session.flush()
            for node in ("DC-PARIS", "DC-LYON"):
                ledger.set_stock(session, node, sku, on_hand=qty)
        key = create_key(uow, "checkout")  # commits the extra stock with it
    engine.dispose()
    return key


def test_bench_promise_over_http_next_to_the_ceiling(benchmark: Any, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'oms.db'}"
    key = seeded(url)
    figures: dict[str, Any] = {}

    def run() -> None:
        # Each server is warmed by 2 s of the same load before the 5 s measured: a start-up's
        # first requests (caches, first reads of each cart's stock) are not what checkout meets.
        with uvicorn_server("benchmarks.ceiling_app:app", {}, factory=False, ready="/docs") as base:
            wrk_post(base + "/echo", CART, {}, seconds=2)
            figures["ceiling"] = wrk_post(base + "/echo", CART, {})
        env = {"OMS_DATABASE_URL": url}
        with uvicorn_server(APP, env, factory=True, ready="/readyz") as base:
            wrk_post(base + "/v1/promise", CARTS, {"X-API-Key": key}, seconds=2)
            figures["promise"] = wrk_post(base + "/v1/promise", CARTS, {"X-API-Key": key})

    benchmark.pedantic(run, rounds=1, iterations=1)
    ceiling, promise = figures["ceiling"], figures["promise"]
    share = promise.requests_per_s / ceiling.requests_per_s
    benchmark.extra_info.update(
        promise_rps=promise.requests_per_s,
        promise_p50_ms=promise.p50_ms,
        promise_p99_ms=promise.p99_ms,
        ceiling_rps=ceiling.requests_per_s,
        ceiling_p99_ms=ceiling.p99_ms,
        share_of_ceiling=round(share, 3),
    )
    print(f"\npromise {promise} ceiling {ceiling} share {share:.1%}")
    assert promise.non_2xx == 0
    if STRICT:
        assert share >= 0.5 and promise.requests_per_s >= 2000 and promise.p99_ms <= 20


# Look-ahead (issue 17): the demo network's history, the same weekday of the last 4 weeks.
HISTORY_WEEKS = 4
HISTORY_ORDERS_A_DAY = 400
PARIS_TZ = ZoneInfo("Europe/Paris")  # the demo network's nodes' time zone


def seed_history(url: str, now: datetime) -> int:
    """Orders of the carts' SKUs to the carts' cities on the same weekday of each of the last
    HISTORY_WEEKS weeks, spread over what is left of the day after `now` (the forecast prices
    the demand still to come); returns the orders written."""
    engine = make_engine(url)
    local = now.astimezone(PARIS_TZ)
    tod = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second)
    left = timedelta(days=1) - tod - timedelta(minutes=10)  # the refresh comes within minutes
    written = 0
    with SqlUnitOfWork(make_session_factory(engine), message_bus()) as uow:
        for week in range(1, HISTORY_WEEKS + 1):
            midnight = datetime.combine(
                (local - timedelta(weeks=week)).date(), datetime.min.time(), tzinfo=PARIS_TZ
            )
            for k in range(HISTORY_ORDERS_A_DAY):
                at = midnight + tod + timedelta(minutes=10) + left * (k / HISTORY_ORDERS_A_DAY)
                cart = CARTS[(k * 5 + week) % len(CARTS)]
                oid = f"O-HIST-{week}-{k:04d}"
                lat, lon = cart["destination"]["lat"], cart["destination"]["lon"]
                uow.orders.add(
                    Order(
                        id=oid,
                        status=OrderStatus.DELIVERED,
                        channel="web",
                        method=DeliveryMethod.SHIP,
                        currency="EUR",
                        dest_lat=lat,
                        dest_lon=lon,
                        created_at=at.astimezone(UTC),
                    )
                )
                uow.session.flush()
                for j, line in enumerate(cart["lines"]):
                    uow.order_lines.add(
                        OrderLine(
                            id=f"{oid}-{j}",
                            order_id=oid,
                            line_no=j,
                            sku_id=line["sku"],
                            qty=line["qty"],
                            price_minor=100,
                            status=OrderLineStatus.SHIPPED,
                        )
                    )
                written += 1
        uow.commit()
    engine.dispose()
    return written


def priced_board(base: str, ops_key: str, timeout_s: float = 120.0) -> dict[str, Any]:
    """The server's price board once its first refresh has published prices."""
    deadline = time.monotonic() + timeout_s
    while True:
        req = urllib.request.Request(base + "/v1/sourcing/policy", headers={"X-API-Key": ops_key})
        with urllib.request.urlopen(req, timeout=5) as r:
            board: dict[str, Any] = json.loads(r.read())
        if board["computed_at"] is not None or board["last_error"] is not None:
            return board
        assert time.monotonic() < deadline, "no price refresh"
        time.sleep(0.5)


def server_cpu_s(base: str) -> float:
    """CPU seconds (user + system) the uvicorn process serving `base` has used so far: on a
    shared machine, CPU per request compares policies where requests per second wobble."""
    port = base.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
            if b"uvicorn" in cmd and port.encode() in cmd:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            continue
    raise RuntimeError(f"no uvicorn process on port {port}")


def test_bench_promise_online_next_to_lookahead(benchmark: Any, tmp_path: Path) -> None:
    """The promise's throughput under OMS_SOURCING_POLICY=lookahead with priced prices on the
    board, next to online measured in the same run; and while the prices are re-solved every
    second (the refresh's worst case: it shares the process's interpreter lock; under
    OMS_BENCH_SCALE=full only). Online is measured first and last: the reference is their mean,
    their spread the machine's noise.
    Target: lookahead >= 90% of online."""
    now = datetime.now(UTC)
    if now.astimezone(PARIS_TZ).hour == 23 and now.astimezone(PARIS_TZ).minute >= 45:
        pytest.skip("too near the network's midnight for the demand still to come today")
    url = f"sqlite:///{tmp_path / 'oms.db'}"
    key = seeded(url)
    orders = seed_history(url, now)
    engine = make_engine(url)
    with SqlUnitOfWork(make_session_factory(engine), message_bus()) as uow:
        ops = create_key(uow, "ops")
    engine.dispose()
    figures: dict[str, Any] = {}
    runs: dict[str, dict[str, str]] = {
        "online": {"OMS_SOURCING_POLICY": "online"},
        "lookahead": {"OMS_SOURCING_POLICY": "lookahead"},
        "online_again": {"OMS_SOURCING_POLICY": "online"},
    }
    if os.environ.get("OMS_BENCH_SCALE") == "full":  # CI leaves out the refresh's worst case
        runs["lookahead_refreshing"] = {
            "OMS_SOURCING_POLICY": "lookahead",
            "OMS_LOOKAHEAD_REFRESH_S": "1",
        }

    def run() -> None:
        for name, extra in runs.items():
            env = {"OMS_DATABASE_URL": url, **extra}
            with uvicorn_server(APP, env, factory=True, ready="/readyz") as base:
                if extra["OMS_SOURCING_POLICY"] == "lookahead":
                    figures[name + "_board"] = priced_board(base, ops)
                wrk_post(base + "/v1/promise", CARTS, {"X-API-Key": key}, seconds=2)
                cpu = server_cpu_s(base)
                figures[name] = load = wrk_post(base + "/v1/promise", CARTS, {"X-API-Key": key})
                served = load.requests_per_s * 5  # wrk_post's default 5 s
                figures[name + "_cpu_us"] = (server_cpu_s(base) - cpu) / served * 1e6

    benchmark.pedantic(run, rounds=1, iterations=1)
    ahead, busy = figures["lookahead"], figures.get("lookahead_refreshing")
    board = figures["lookahead_board"]
    online_rps = (figures["online"].requests_per_s + figures["online_again"].requests_per_s) / 2
    share = ahead.requests_per_s / online_rps
    busy_share = None if busy is None else busy.requests_per_s / online_rps
    cpu = {name: round(figures[name + "_cpu_us"], 1) for name in runs}
    # Throughput at equal CPU: what the policy would serve where it had the cores to itself.
    cpu_share = (cpu["online"] + cpu["online_again"]) / 2 / cpu["lookahead"]
    benchmark.extra_info.update(
        online_rps=[figures["online"].requests_per_s, figures["online_again"].requests_per_s],
        online_p99_ms=[figures["online"].p99_ms, figures["online_again"].p99_ms],
        lookahead_rps=ahead.requests_per_s,
        lookahead_p99_ms=ahead.p99_ms,
        lookahead_share=round(share, 3),
        refreshing_rps=None if busy is None else busy.requests_per_s,
        refreshing_p99_ms=None if busy is None else busy.p99_ms,
        refreshing_share=None if busy_share is None else round(busy_share, 3),
        history_orders=orders,
        priced_pairs=board["priced_pairs"],
        refresh_s=board["elapsed_s"],
        cpu_us_per_promise=cpu,
        lookahead_cpu_share=round(cpu_share, 3),
    )
    print(f"\nonline {figures['online']}\nonline again {figures['online_again']}")
    print(f"lookahead {ahead} ({share:.1%} of online's mean)")
    if busy is not None and busy_share is not None:
        print(f"lookahead refreshing every 1 s {busy} ({busy_share:.1%} of online)")
    print(f"server CPU per promise (us): {cpu}; lookahead at equal CPU: {cpu_share:.1%} of online")
    print(
        f"board: {board['priced_pairs']} priced pairs, {board['forecast_units']} units to come, "
        f"refresh {board['elapsed_s']} s, top {board['top_prices'][:3]}"
    )
    assert all(figures[name].non_2xx == 0 for name in runs)
    assert board["last_error"] is None and board["priced_pairs"] > 0  # prices, not online
    if STRICT:
        assert share >= 0.9 and cpu_share >= 0.9


@pytest.mark.parametrize("workers", [1, 2], ids=["one-worker", "two-workers"])
def test_bench_reservations_on_postgresql_with_64_clients(
    benchmark: Any, pg_url: str, workers: int
) -> None:
    """On PostgreSQL the service runs as `oms serve --workers N` would (the target is asserted
    for two workers: PostgreSQL is the multi-process deployment; one worker is reported)."""
    stock = {f"BENCH-{k:02d}": 100_000 for k in range(50)} | {"SCARCE": 50}
    key = seeded(pg_url, stock)
    # Checkouts spread over 50 SKUs (a hot single SKU serialises on its row lock: see SCARCE).
    body = [
        {**CART, "lines": [{"sku": f"BENCH-{k:02d}", "qty": 1}], "ttl_seconds": 3600}
        for k in range(50)
    ]
    scarce = {**body[0], "lines": [{"sku": "SCARCE", "qty": 1}]}
    figures: dict[str, Any] = {}

    def run() -> None:
        env = {"OMS_DATABASE_URL": pg_url, "OMS_MIGRATE_ON_START": "false"}
        with uvicorn_server(APP, env, factory=True, ready="/readyz", workers=workers) as base:
            headers = {"X-API-Key": key}
            figures["load"] = wrk_post(base + "/v1/reservations", body, headers, connections=64)
            figures["scarce"] = wrk_post(
                base + "/v1/reservations", scarce, headers, seconds=2, connections=64
            )

    benchmark.pedantic(run, rounds=1, iterations=1)
    load = figures["load"]
    oversold, held_scarce = oversell_count(pg_url)
    benchmark.extra_info.update(
        workers=workers,
        reservations_per_s=load.requests_per_s,
        p50_ms=load.p50_ms,
        p99_ms=load.p99_ms,
        refused=load.non_2xx,
        oversold_units=oversold,
        scarce_held=held_scarce,
    )
    print(f"\nreservations, {workers} worker(s): {load}; oversold {oversold};", end=" ")
    print(f"scarce held {held_scarce} of 100")
    assert oversold == 0 and held_scarce == 100
    assert load.non_2xx == 0
    if STRICT and workers == 2:
        assert load.requests_per_s >= 500


def oversell_count(url: str) -> tuple[int, int]:
    """Units reserved beyond on_hand, plus any gap between the ledger's reserved units and the
    active reservations' lines; and the units of SCARCE held (2 x 50 in stock)."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        beyond = session.scalar(
            select(func.coalesce(func.sum(StockItem.reserved - StockItem.on_hand), 0)).where(
                StockItem.reserved > StockItem.on_hand
            )
        )
        reserved = session.scalar(select(func.coalesce(func.sum(StockItem.reserved), 0)))
        active = select(Reservation.id).where(Reservation.status == ReservationStatus.ACTIVE)
        lines = session.scalar(
            select(func.coalesce(func.sum(ReservationLine.qty), 0)).where(
                ReservationLine.reservation_id.in_(active)
            )
        )
        scarce = session.scalar(
            select(func.coalesce(func.sum(StockItem.reserved), 0)).where(
                StockItem.sku_id == "SCARCE"
            )
        )
    engine.dispose()
    return int(beyond) + abs(int(reserved) - int(lines)), int(scarce)
