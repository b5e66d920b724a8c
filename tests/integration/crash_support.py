"""Helpers for the crash test (test_crash_recovery.py): a PostgreSQL cluster with real durability,
an `oms serve` process tree that can be killed with SIGKILL and proven dead, a load of checkout
clients that records every key it sent and every order acknowledged, and the ledger's books.

The shared test cluster (conftest.py) runs with fsync=off and synchronous_commit=off: fine for
tests that never crash, useless for one that asks whether an acknowledged order survives one.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import random
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.inventory.model import StockItem
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Shipment,
    ShipmentStatus,
)
from tests.integration.conftest import (
    PG_GLOB,
    PgCluster,
    _free_port,
    _make_base,
    _unavailable,
    find_pg_bindir,
)
from tests.live_server import OMS, ROOT, oms_env

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


# ---------------------------------------------------------------- PostgreSQL, durable


class DurablePgCluster(PgCluster):
    """conftest's throw-away cluster, started with fsync, synchronous commit and full page
    writes on (initdb syncs its files too), so that a commit PostgreSQL acknowledged is on disk.

    The server runs as a child of this process (through runuser as root), not daemonized by
    pg_ctl: after a SIGKILL its parent reaps it at once. A daemonized postmaster is init's to
    reap, and until then its zombie answers kill(pid, 0), so the next start takes its lock
    files for a live server's (init reaps every 2 s here; in a container whose PID 1 never
    reaps, never)."""

    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        initdb = ["-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        self.run("initdb", *initdb, "--no-instructions")
        self.launch()

    def launch(self, timeout_s: float = 60.0) -> float:
        """Start the server on the existing data directory (after a crash, it recovers from
        the WAL first) and wait until it takes connections; the seconds it took."""
        began = time.monotonic()
        cmd = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        cmd += ["-k", str(self.sock), "-c", "listen_addresses=127.0.0.1"]
        for name, value in (*DURABLE.items(), ("max_connections", "200")):
            cmd += ["-c", f"{name}={value}"]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, cwd=self.base, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        while True:
            try:
                self.settings()
                return time.monotonic() - began
            except psycopg.OperationalError:
                pass
            if self.proc.poll() is not None or time.monotonic() - began > timeout_s:
                raise RuntimeError(f"postgres did not start: {self.log_tail()}")
            time.sleep(0.05)

    @property
    def log(self) -> Path:
        return self.base / "postgres.log"

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def settings(self) -> dict[str, str]:
        """What the running server says of its durability settings."""
        with psycopg.connect(
            dbname="postgres",
            user="postgres",
            host=str(self.sock),
            port=self.port,
            connect_timeout=5,
        ) as conn:
            return {
                name: str(conn.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
                for name in DURABLE
            }

    def postmaster_pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def crash(self) -> list[int]:
        """SIGKILL the postmaster and every one of its processes at once (no shutdown, no
        checkpoint: the next start recovers from the WAL). The pids killed, all proven dead."""
        pid = self.postmaster_pid()
        if pid is None or not alive(pid):
            raise RuntimeError("the PostgreSQL server is not running")
        tree = descendants(pid) | {pid}
        for p in sorted(tree):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        wait_dead(tree, what="PostgreSQL")
        self.reap()
        return sorted(tree)

    def reap(self) -> None:
        """Wait for the server's process (runuser, or postgres itself) once it is dead."""
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)


def durable_cluster() -> DurablePgCluster:
    """A started durable cluster, or the test skipped (failed under CI=true) with the reason,
    by the same rules as conftest's ``pg_cluster``."""
    bindir = find_pg_bindir()
    if bindir is None:
        _unavailable(f"no initdb/pg_ctl in {os.environ.get('OMS_PG_BIN') or PG_GLOB}")
    assert bindir is not None
    as_postgres = os.geteuid() == 0
    if as_postgres:
        if shutil.which("runuser") is None:
            _unavailable("running as root needs runuser to start the server as postgres")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root, and there is no postgres user to run the server")
    if not (bindir / "postgres").is_file():
        _unavailable(f"no postgres server binary in {bindir}")
    cluster = DurablePgCluster(bindir, _make_base(as_postgres), _free_port(), as_postgres)
    try:
        cluster.start()
    except RuntimeError as exc:
        shutil.rmtree(cluster.base, ignore_errors=True)
        _unavailable(f"the durable cluster did not start: {exc}")
    return cluster


def drop_cluster(cluster: DurablePgCluster) -> None:
    """Stop it however it is (running, crashed, half started) and remove its files."""
    try:
        pid = cluster.postmaster_pid()
        if pid is not None and alive(pid):
            try:
                cluster.stop()  # pg_ctl stop -m immediate
            except RuntimeError:
                for p in descendants(pid) | {pid}:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(p, signal.SIGKILL)
        if cluster.proc is not None and cluster.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(cluster.proc.pid, signal.SIGKILL)
        cluster.reap()
    finally:
        shutil.rmtree(cluster.base, ignore_errors=True)


# ---------------------------------------------------------------- processes, from /proc


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgrp) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = raw[raw.rfind(")") + 2 :].split()  # the command name may hold spaces and ")"
    return fields[0], int(fields[1]), int(fields[2])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def alive(pid: int) -> bool:
    """Running (a zombie, or a pid gone, is dead: it holds no socket and runs no code)."""
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def descendants(root: int) -> set[int]:
    """Every live process below ``root`` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[0] not in ("Z", "X"):
            children.setdefault(stat[1], []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def group_members(pgid: int) -> set[int]:
    """Every live process of the process group."""
    members = set()
    for pid in _all_pids():
        stat = _stat(pid)
        if stat is not None and stat[0] not in ("Z", "X") and stat[2] == pgid:
            members.add(pid)
    return members


def wait_dead(pids: set[int], *, what: str, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not [p for p in pids if alive(p)]:
            return
        time.sleep(0.01)
    left = sorted(p for p in pids if alive(p))
    raise AssertionError(f"{what}: processes {left} survived SIGKILL for {timeout_s} s")


# ---------------------------------------------------------------- the OMS server


class CrashableServer:
    """`oms serve` in its own process group, which ``kill9`` ends with SIGKILL, all of it."""

    def __init__(self, database_url: str, cwd: Path, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.cwd = cwd
        self.env = oms_env(database_url)  # NUMBA_CACHE_DIR included: kernels compile once
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.workers = 0  # of the running server
        self.killed_at = 0.0  # time.monotonic() of the last kill9's SIGKILL

    @property
    def log(self) -> Path:
        return self.cwd / f"serve-{self.port}-{self.starts}.log"

    def start(self, workers: int, timeout_s: float = 120.0) -> float:
        """Start with this many workers (on the same port every time) and wait for /readyz;
        the seconds it took."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        self.workers = workers
        began = time.monotonic()
        cmd = [OMS, "serve", "--port", str(self.port), "--workers", str(workers)]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group (pgid == pid)
            )
        self._wait_ready(began + timeout_s)
        return time.monotonic() - began

    def _wait_ready(self, deadline: float) -> None:
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oms serve exited ({self.proc.returncode}): {self.tail()}")
            try:
                if httpx.get(self.base + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"oms serve not ready: {self.tail()}")

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def processes(self) -> set[int]:
        """The server's live processes: its process group and anything below the parent."""
        assert self.proc is not None
        return group_members(self.proc.pid) | descendants(self.proc.pid) | {self.proc.pid}

    def kill9(self) -> dict[int, str]:
        """SIGKILL to the whole process group at once (and to any descendant that left the
        group), then proof from /proc that none of them runs. The pids killed, with their
        command lines."""
        assert self.proc is not None
        before = {p for p in self.processes() if alive(p)}
        cmdlines = {p: _cmdline(p) for p in before}
        self.killed_at = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in before - group_members(self.proc.pid):  # escaped the group: by pid
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)  # reap the parent (the workers are init's to reap)
        wait_dead(before, what="oms serve")
        assert not group_members(self.proc.pid), "a process of the server's group survived"
        return cmdlines

    def stop(self) -> None:
        """Teardown, whatever state it is in: SIGKILL everything left (nothing to save)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        for pid in descendants(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


# ---------------------------------------------------------------- seeding


def small_problem(path: Path, *, skus: int = 12, stores: int = 6) -> dict[str, Any]:
    """A slice of the demo network (its 4 DCs, a few stores), written as a problem file for
    `oms seed-demo --problem`: the full demo's 5,550 stock rows take ~18 s to load with fsync
    on. DCs hold plenty of each SKU; stores a few units, so that their stock runs out under
    load and checkouts race for it. Returned with the ``destinations`` (lat, lon) to order to:
    the demo's customers'."""
    demo = json.loads((ROOT / "scenarios" / "demo-fr.json").read_text(encoding="utf-8"))
    dcs = [n for n in demo["nodes"] if n["kind"] == "warehouse"]
    shops = [n for n in demo["nodes"] if n["kind"] == "store"][:stores]
    sku_ids = [f"SKU-{i:05d}" for i in range(1, skus + 1)]
    inventory = [
        {"node": n["id"], "sku": s, "qty": 600 if n["kind"] == "warehouse" else 4}
        for n in dcs + shops
        for s in sku_ids
    ]
    problem = {
        "version": 1,
        "settings": demo["settings"],
        "nodes": dcs + shops,
        "inventory": inventory,
        "orders": [],
    }
    path.write_text(json.dumps(problem), encoding="utf-8")
    destinations = sorted({(o["lat"], o["lon"]) for o in demo["orders"][:200]})
    problem["destinations"] = destinations
    return problem


def seed_demo(database_url: str, cwd: Path, problem: Path) -> dict[str, str]:
    """`oms seed-demo --problem PROBLEM` (migrates, loads the network, makes a key per role);
    the raw keys it printed, by role."""
    out = run_oms(database_url, cwd, "seed-demo", "--problem", str(problem))
    keys = {}
    for line in out.splitlines():
        role, _, raw = line.strip().partition(": ")
        if raw.startswith("oms_"):
            keys[role.split()[0]] = raw.strip()
    return keys


def run_oms(database_url: str, cwd: Path, *args: str) -> str:
    """An `oms` command on the database; its standard output."""
    done = subprocess.run(
        [OMS, *args],
        cwd=cwd,
        env=oms_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"oms {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


# ---------------------------------------------------------------- the load


@dataclass
class Sent:
    """One POST /v1/orders: its key and body, and what came of it."""

    key: str
    body: dict[str, Any]
    at: float  # monotonic, when sent
    done: float | None = None  # when the answer (or the error) came
    status: int | None = None
    order_id: str | None = None
    answer: str | None = None  # the error body of a non-2xx answer
    error: str | None = None  # a transport error: no answer at all

    @property
    def acked(self) -> bool:
        return self.status in (200, 201)


@dataclass
class Load:
    """Checkout clients placing orders, each with a unique Idempotency-Key, until stopped."""

    base: str
    api_key: str
    problem: dict[str, Any]  # small_problem's: the SKUs, stores and destinations to order
    prefix: str  # of every Idempotency-Key this load sends; seeds its random orders
    threads: int = 8
    sent: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def body(self, rng: random.Random) -> dict[str, Any]:
        skus = sorted({r["sku"] for r in self.problem["inventory"]})
        lines = [{"sku": s, "qty": rng.randint(1, 2)} for s in rng.sample(skus, rng.randint(1, 3))]
        lat, lon = rng.choice(self.problem["destinations"])
        body: dict[str, Any] = {"lines": lines, "destination": {"lat": lat, "lon": lon}}
        if rng.random() < 0.25:  # click-and-collect: held at the store or shipped to it
            stores = [n["id"] for n in self.problem["nodes"] if n["can_pickup"]]
            body |= {"method": "pickup", "pickup_node": rng.choice(stores)}
        else:
            body["method"] = "ship"
        return body

    def start(self) -> None:
        for t in range(self.threads):
            worker = threading.Thread(target=self._run, args=(t,), name=f"checkout-{t}")
            worker.start()
            self._workers.append(worker)

    def _run(self, t: int) -> None:
        rng = random.Random(f"{self.prefix}-{t}")
        headers = {"X-API-Key": self.api_key}
        with httpx.Client(base_url=self.base, headers=headers, timeout=20.0) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                one = Sent(f"{self.prefix}-{t}-{n}", self.body(rng), time.monotonic())
                self.sent.append(one)  # list.append is atomic
                try:
                    r = client.post(
                        "/v1/orders", json=one.body, headers={"Idempotency-Key": one.key}
                    )
                except httpx.TransportError as exc:
                    # The server is gone (or, before the kill, a fault the test reports).
                    one.done, one.error = time.monotonic(), f"{type(exc).__name__}: {exc}"
                    return
                one.done, one.status = time.monotonic(), r.status_code
                if one.acked:
                    one.order_id = r.json()["id"]
                else:
                    one.answer = r.text[:500]

    def acked(self) -> int:
        return sum(1 for s in self.sent if s.acked)

    def join(self, timeout_s: float = 30.0) -> None:
        self.stop.set()
        deadline = time.monotonic() + timeout_s
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        stuck = [w.name for w in self._workers if w.is_alive()]
        assert not stuck, f"clients still running {timeout_s} s after the stop: {stuck}"


# ---------------------------------------------------------------- the ledger's books

# An order in one of these holds its (not cancelled) lines' units; after it, nothing: shipped
# and collected units left with commit_shipment, cancelled and expired ones were released.
HOLDING_ORDERS = frozenset(
    {OrderStatus.CREATED, OrderStatus.ALLOCATED, OrderStatus.PICKING, OrderStatus.READY_FOR_PICKUP}
)
RELEASED_LINES = frozenset(
    {
        OrderLineStatus.CANCELLED,
        OrderLineStatus.SHIPPED,
        OrderLineStatus.COLLECTED,
        OrderLineStatus.RETURNED,
    }
)
# A shipment that has left its node (or was cancelled) holds nothing there any more.
GONE_SHIPMENTS = frozenset(
    {
        ShipmentStatus.SHIPPED,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.COLLECTED,
        ShipmentStatus.CANCELLED,
    }
)


def expected_reserved(session: Session) -> Counter[tuple[str, str]]:
    """What ``inventory.reserved`` must be per (node, sku), from the documents that hold units:

    - an allocation holds its units at its node while its order is in HOLDING_ORDERS, its line
      is not released (RELEASED_LINES) and its shipment has not left (GONE_SHIPMENTS);
    - a pickup order's transfer delivered to the pickup store holds them at that store instead
      (fulfilment.deliver received and held them there) until collected or expired;
    - an active reservation holds its lines' units (a converted one's moved to the order)."""
    want: Counter[tuple[str, str]] = Counter()
    rows = session.execute(
        select(
            Allocation.node_id,
            Allocation.qty,
            OrderLine.sku_id,
            OrderLine.status,
            Order.status,
            Order.method,
            Order.pickup_node,
            Shipment.status,
        )
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .outerjoin(Shipment, Shipment.id == Allocation.shipment_id)
    )
    for node, qty, sku, line_status, order_status, method, pickup, shipment_status in rows:
        if order_status not in HOLDING_ORDERS or line_status in RELEASED_LINES:
            continue
        if shipment_status not in GONE_SHIPMENTS:
            want[(node, sku)] += qty
        elif (
            shipment_status is ShipmentStatus.DELIVERED
            and method is DeliveryMethod.PICKUP
            and pickup is not None
            and node != pickup
        ):
            want[(pickup, sku)] += qty
    held = session.execute(
        select(ReservationLine.node_id, ReservationLine.sku_id, ReservationLine.qty)
        .join(Reservation, Reservation.id == ReservationLine.reservation_id)
        .where(Reservation.status == ReservationStatus.ACTIVE)
    )
    for node, sku, qty in held:
        want[(node, sku)] += qty
    return want


def ledger_faults(session: Session, seeded: dict[tuple[str, str], int]) -> list[str]:
    """Every way the inventory rows disagree with the documents (empty when the books balance):
    reserved != expected_reserved, a negative or over-reserved row, a hold on a row that does
    not exist, and on_hand moved from ``seeded`` (for a test in which no stock comes or goes)."""
    want = expected_reserved(session)
    faults = []
    seen = set()
    for row in session.scalars(select(StockItem)):
        key = (row.node_id, row.sku_id)
        seen.add(key)
        if row.reserved != want.get(key, 0):
            faults.append(f"{key}: reserved {row.reserved}, open documents hold {want.get(key, 0)}")
        if row.reserved < 0 or row.on_hand < 0 or row.reserved > row.on_hand:
            faults.append(f"{key}: on_hand {row.on_hand}, reserved {row.reserved}")
        if key in seeded and row.on_hand != seeded[key]:
            faults.append(f"{key}: on_hand {row.on_hand}, seeded {seeded[key]}")
    faults += [f"{k}: {q} units held on no stock row" for k, q in want.items() if k not in seen]
    return faults


@contextlib.contextmanager
def session_on(database_url: str) -> Iterator[Session]:
    from oms.db.engine import make_engine, make_session_factory

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
