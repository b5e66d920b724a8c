"""Re-optimisation of open orders (issue 18) on the demo network: the demo's 2,000 orders placed
one by one through the service (the online policy, as checkout does), then one re-optimisation
of all of them: cost, shipments and splits before and after, its duration, and the promise's
p50/p99 measured in a thread while it runs next to the same measure idle.

Run: `pytest benchmarks/test_bench_reoptimise.py -s -p no:schemathesis` (prints the figures;
OMS_BENCH_ORDERS sets how many of the demo's orders are placed, OMS_BENCH_TIME_LIMIT the
optimiser's limit, OMS_BENCH_STOCK_SHARE scales the demo's stock down). The orders' promises
are real (placed now): nodes that would be later are closed to each order, so the saving is
what the promise rule allows at this hour.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.test_bench_service import DEMO
from oms.db.engine import make_engine, make_session_factory, migrate
from oms.db.job_leases import SqlLease
from oms.db.uow import SqlUnitOfWork
from oms.domain.errors import OmsError
from oms.handlers import message_bus
from oms.orders.service import OrderForm, create_order
from oms.promise.service import NetworkCache, promise_for
from oms.seed import seed_network
from oms.stores.reoptimise import Request, reoptimise

ORDERS = int(os.environ.get("OMS_BENCH_ORDERS", "2000"))
TIME_LIMIT = float(os.environ.get("OMS_BENCH_TIME_LIMIT", "20"))
# The demo's stock times this share (rounded up): scarcer stock, worse online sequences.
STOCK_SHARE = float(os.environ.get("OMS_BENCH_STOCK_SHARE", "1"))


def _form(order: dict[str, Any]) -> OrderForm:
    lines = [(ln["sku"], ln["qty"]) for ln in order["lines"]]
    if order["delivery"] == "pickup":
        return OrderForm(lines=lines, method="pickup", pickup_node=order["pickup_node"])
    return OrderForm(lines=lines, destination=(order["lat"], order["lon"]))


def _promise_latencies(
    sessions: Any, cache: NetworkCache, stop: threading.Event, carts: list[Any]
) -> list[float]:
    out: list[float] = []
    k = 0
    while not stop.is_set():
        lines, (lat, lon) = carts[k % len(carts)]
        k += 1
        started = time.perf_counter()
        with SqlUnitOfWork(sessions, message_bus()) as reads:
            promise_for(reads, cache, lines, lat, lon)
        out.append(time.perf_counter() - started)
    return out


def _measure(sessions: Any, cache: NetworkCache, carts: list[Any], work: Any) -> list[float]:
    stop = threading.Event()
    box: list[list[float]] = []
    t = threading.Thread(
        target=lambda: box.append(_promise_latencies(sessions, cache, stop, carts))
    )
    t.start()
    work()
    stop.set()
    t.join()
    return box[0]


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs) * 1000, q)) if xs else float("nan")


def test_bench_one_reoptimisation_of_the_demo_day(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'oms.db'}"
    migrate(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    bus = message_bus()
    with SqlUnitOfWork(sessions, bus) as uow:
        seed_network(uow, DEMO)
    if STOCK_SHARE != 1:
        with SqlUnitOfWork(sessions, bus) as uow:
            for row in json.loads(DEMO.read_text())["inventory"]:
                qty = math.ceil(row["qty"] * STOCK_SHARE)
                uow.stock.set_stock(row["node"], row["sku"], on_hand=qty)
            uow.commit()
    cache = NetworkCache()
    orders = json.loads(DEMO.read_text())["orders"][:ORDERS]
    placed: list[dict[str, Any]] = []
    refused = 0
    started = time.perf_counter()
    for order in orders:
        try:
            with SqlUnitOfWork(sessions, bus) as uow:
                create_order(uow, cache, _form(order), key=None)
            placed.append(order)
        except OmsError:  # an unknown SKU or no stock left: refused as at checkout
            refused += 1
    placing = time.perf_counter() - started
    carts = [([(ln["sku"], 1) for ln in o["lines"]], (o["lat"], o["lon"])) for o in placed[:200]]

    def open_uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, bus)

    idle = _measure(sessions, cache, carts, lambda: time.sleep(5))
    box: list[Any] = []
    busy = _measure(
        sessions,
        cache,
        carts,
        lambda: box.append(
            reoptimise(open_uow, cache, SqlLease(sessions), Request(time_limit_s=TIME_LIMIT))
        ),
    )
    r = box[0]
    print(
        f"\nplaced {len(placed)} orders ({refused} refused) in {placing:.1f} s; re-optimisation "
        f"(time limit {TIME_LIMIT:g} s): status {r.status}, {r.orders_considered} orders / "
        f"{r.units_considered} units considered, cost {r.cost_before:.2f} -> {r.cost_after:.2f} "
        f"(saving {r.saving:.2f}, {100 * r.saving / max(r.cost_before, 1e-9):.2f}%), bound "
        f"{r.bound}, gap {r.gap}, shipments {r.shipments_before} -> {r.shipments_after}, splits "
        f"{r.splits_before} -> {r.splits_after}, {len(r.moves)} orders moved, "
        f"{len(r.skipped)} skipped {sorted(Counter(why for _, why in r.skipped).items())}, "
        f"{r.elapsed_s:.1f} s; promise p50/p99 idle "
        f"{_pct(idle, 50):.2f}/{_pct(idle, 99):.2f} ms ({len(idle)}), during the run "
        f"{_pct(busy, 50):.2f}/{_pct(busy, 99):.2f} ms ({len(busy)})"
    )
    assert r.cost_after <= r.cost_before + 1e-6
    engine.dispose()
