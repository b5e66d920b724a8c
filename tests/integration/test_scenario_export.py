"""A day made through the app, exported (`oms scenario export`) and replayed: the replay's
online run makes the live decisions (the same allocations per order and line, the same cost),
and the wave strategy does no worse. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.api.state import AppState
from oms.bootstrap import open_state
from oms.cli import app as cli
from oms.db import tables
from oms.replay import ReplayOptions, load_scenario, parse_strategies, run_replay
from oms.sourcing import cost
from oms.sourcing.contract import Allocations, Problem
from tests.integration.day_clock import PinnedDay

DAY = date(2026, 3, 12)  # a Thursday
PARIS, LYON, LILLE = (48.85, 2.35), (45.70, 4.90), (50.60, 3.10)
NODES = [
    ("DC-LYON", "warehouse", 45.76, 4.84, True, False, 9, 0.35, 4.5, 0.006),
    ("DC-PARIS", "warehouse", 48.90, 2.40, True, False, 100, 0.35, 4.5, 0.006),
    ("ST-LILLE", "store", 50.63, 3.06, True, True, 3, 0.9, 4.0, 0.008),
]
STOCK = {("DC-PARIS", "A"): 3, ("DC-PARIS", "B"): 4, ("DC-LYON", "A"): 20}
STOCK |= {("DC-LYON", "B"): 20, ("ST-LILLE", "A"): 3, ("ST-LILLE", "B"): 1}
FIELDS = (
    "id kind lat lon can_ship can_pickup capacity_units handling_cost shipment_cost cost_per_km"
)


@pytest.fixture
def state(migrated_db_url: str) -> Iterator[AppState]:
    app_state = open_state(migrated_db_url)
    app_state.networks.refresh_s = 0.0  # every decision reads capacity now, as the replay does
    try:
        yield app_state
    finally:
        app_state.engine.dispose()


class Day:
    """The steps of the day, through the API."""

    def __init__(self, client: TestClient, ops: dict[str, str], checkout: dict[str, str]):
        self.client, self.ops, self.checkout = client, ops, checkout

    def post(self, path: str, body: dict | None = None, headers: dict | None = None) -> dict:
        r = self.client.post(path, json=body, headers=headers or self.checkout)
        assert r.status_code in (200, 201), r.text
        return r.json()

    def order(self, lines: dict[str, int], to: tuple[float, float] | None = None, **more) -> dict:
        body = {"lines": [{"sku": s, "qty": q} for s, q in lines.items()], **more}
        if to is not None:
            body["destination"] = {"lat": to[0], "lon": to[1]}
        return self.post("/v1/orders", body)

    def reserve(self, lines: dict[str, int], to: tuple[float, float]) -> str:
        body = {
            "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
            "destination": {"lat": to[0], "lon": to[1]},
            "ttl_seconds": 3 * 3600,
        }
        return str(self.post("/v1/reservations", body)["id"])


@contextmanager
def the_app(state: AppState, clock: PinnedDay) -> Iterator[Day]:
    """The app with an ops and a checkout key, and the network set up the evening before."""
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    with TestClient(create_app(state)) as client:
        state.warm.wait(120)
        day = Day(client, {"X-API-Key": ops}, {"X-API-Key": checkout})
        with clock.at("18:00", days=-1):
            for values in NODES:
                day.post("/v1/nodes", dict(zip(FIELDS.split(), values, strict=True)), day.ops)
            for sku in ("A", "B"):
                body = {"name": sku, "price_minor": 1000}
                assert client.put(f"/v1/skus/{sku}", json=body, headers=day.ops).status_code == 200
            for (node, sku), qty in STOCK.items():
                r = client.put(
                    f"/v1/inventory/{node}/{sku}", json={"on_hand": qty}, headers=day.ops
                )
                assert r.status_code == 200, r.text
        yield day


def make_the_day(state: AppState, clock: PinnedDay) -> None:
    """An order left open overnight, then a day whose online choices depend on what earlier
    orders took: a receipt, an outage, a capacity change, a pickup, a reservation left active,
    a stock count down, one released, a shipment and a cancellation."""
    with the_app(state, clock) as day:
        client = day.client
        with clock.at("19:00", days=-1):
            overnight = day.order({"A": 2}, LYON)  # held at DC-LYON at the start of the day
        with clock.at("08:00"):
            day.order({"A": 2}, PARIS)
        with clock.at("08:10"):
            second = day.reserve({"A": 2}, PARIS)
        with clock.at("08:15"):
            day.post("/v1/orders", {"reservation_id": second})
        with clock.at("09:00"):
            day.post("/v1/inventory/DC-PARIS/A/receipts", {"qty": 5}, day.ops)
        with clock.at("09:30"):
            cancelled = day.order({"A": 1, "B": 1}, LILLE)
        with clock.at("10:00"):
            day.post("/v1/nodes/DC-PARIS/disable", None, day.ops)
        with clock.at("10:30"):
            day.order({"A": 1, "B": 2}, PARIS)
        with clock.at("11:00"):
            day.order({"A": 1}, None, method="pickup", pickup_node="ST-LILLE")
        with clock.at("11:30"):
            r = client.patch("/v1/nodes/ST-LILLE", json={"capacity_units": 5}, headers=day.ops)
            assert r.status_code == 200, r.text
        with clock.at("12:00"):
            day.post("/v1/nodes/DC-PARIS/enable", None, day.ops)
        with clock.at("12:30"):
            day.order({"B": 2}, PARIS, service="express")
        with clock.at("13:00"):
            day.reserve({"A": 1}, PARIS)  # still held at the end of the day
        with clock.at("13:30"):
            body = {"delta": -16, "reason": "damaged"}  # Lyon keeps 1 unit of A free
            day.post("/v1/inventory/DC-LYON/A/adjustments", body, day.ops)
        with clock.at("14:00"):
            released = day.reserve({"A": 1}, LYON)
        with clock.at("14:05"):
            assert (
                client.delete(f"/v1/reservations/{released}", headers=day.checkout).status_code
                == 200
            )
        with clock.at("15:00"):
            sid = overnight["shipments"][0]["id"]
            day.post(f"/v1/shipments/{sid}/ship", {"tracking": "T-1"}, day.ops)
        with clock.at("15:30"):
            day.post(f"/v1/orders/{cancelled['id']}/cancel", {}, day.checkout)
        with clock.at("16:00"):
            day.order({"A": 4, "B": 2}, LILLE)
        with clock.at("16:30"):
            day.order({"A": 2, "B": 1}, LYON)
        with clock.at("17:00"):
            day.order({"B": 2}, PARIS)
        with clock.at("09:00", days=1):
            day.order({"B": 1}, PARIS)  # the next day: not exported


def live_allocations(state: AppState) -> dict[tuple[str, str, str], int]:
    """(order, line, node) -> units, as the live service decided: each order's allocations,
    and each reservation still held, its rows as lines (one per SKU, in the order held)."""
    o, ln, a = tables.orders.c, tables.order_lines.c, tables.allocations.c
    r, rl = tables.reservations.c, tables.reservation_lines.c
    out: dict[tuple[str, str, str], int] = defaultdict(int)
    with state.engine.connect() as conn:
        placed = (
            select(o.id, ln.id, a.node_id, a.qty)
            .join(tables.order_lines, ln.order_id == o.id)
            .join(tables.allocations, a.order_line_id == ln.id)
        )
        for oid, line, node, qty in conn.execute(placed):
            out[(oid, line, node)] += qty
        held = (
            select(r.id, rl.sku_id, rl.node_id, rl.qty)
            .join(tables.reservation_lines, rl.reservation_id == r.id)
            .where(r.status == "active")
            .order_by(r.id, rl.line_no)
        )
        skus: dict[str, list[str]] = defaultdict(list)
        for rid, sku, node, qty in conn.execute(held):
            if sku not in skus[rid]:
                skus[rid].append(sku)
            out[(rid, f"{rid}-{skus[rid].index(sku) + 1}", node)] += qty
    return dict(out)


def as_allocations(problem: Problem, live: dict[tuple[str, str, str], int]) -> Allocations:
    """The live allocations in the replay's order, line and node indices (orders of other
    days left out)."""
    o = problem.orders
    order_of = {oid: i for i, oid in enumerate(o.ids)}
    line_of = {o.line_ids[k]: k for k in range(len(o.line_ids))}
    rows = [
        (order_of[oid], line_of[line], problem.nodes.index[node], qty)
        for (oid, line, node), qty in sorted(live.items())
        if oid in order_of
    ]
    order, line, node, qty = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    return Allocations(order, line, node, qty)


def per_line(problem: Problem, alloc: Allocations) -> dict[tuple[str, str, str], int]:
    o, ids = problem.orders, problem.nodes.ids
    out: dict[tuple[str, str, str], int] = defaultdict(int)
    for i, k, n, q in zip(alloc.order, alloc.line, alloc.node, alloc.qty, strict=True):
        if q > 0:
            out[(o.ids[i], o.line_ids[k], ids[n])] += int(q)
    return dict(out)


def export(url: str, out: Path, day: str = DAY.isoformat()):
    return CliRunner().invoke(
        cli, ["scenario", "export", "--date", day, "--database", url, "--out", str(out)]
    )


@dataclass
class RoundTrip:
    path: Path
    problem: Problem
    live: Allocations
    online: Allocations
    wave: Allocations
    express: list[bool]


def round_trip(state: AppState, url: str, tmp_path: Path) -> RoundTrip:
    """The day exported by the command, then replayed under online and wave."""
    path = tmp_path / "day.json"
    result = export(url, path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "day.orders.csv").is_file()
    # One wave for the whole day: the joint optimum against the day's stock, which the live
    # plan fits (stock and capacity only grew back during the day), so it can only be cheaper.
    options = ReplayOptions(
        parse_strategies("online,wave"),
        wave_minutes=24 * 60,
        with_bound=False,
        with_hindsight=False,
    )
    replayed = run_replay(load_scenario(path), options)
    problem = replayed.day.problem
    live = as_allocations(problem, live_allocations(state))
    online, wave = (r.run.allocations for r in replayed.strategies)
    return RoundTrip(path, problem, live, online, wave, replayed.day.express.tolist())


def total(problem: Problem, alloc: Allocations) -> float:
    return cost.evaluate(problem, alloc).cost.total


def test_a_live_day_exported_and_replayed_online_makes_the_live_decisions_at_the_live_cost(
    state, migrated_db_url, tmp_path
):
    make_the_day(state, PinnedDay(state.engine, DAY))
    trip = round_trip(state, migrated_db_url, tmp_path)
    problem, path = trip.problem, trip.path

    assert len(problem.orders) == 10  # the day's nine orders and the reservation still held
    assert per_line(problem, trip.online) == per_line(problem, trip.live)
    assert total(problem, trip.online) == pytest.approx(total(problem, trip.live))
    assert total(problem, trip.wave) <= total(problem, trip.live) + 1e-9
    kinds = [e["type"] for e in scenario_events(path)]
    assert kinds.count("outage") == kinds.count("recovery") == 1
    assert {"receipt", "adjustment", "capacity"} <= set(kinds)
    express = [o for o, chose in zip(problem.orders.ids, trip.express, strict=True) if chose]
    assert len(express) == 1  # the 12:30 order chose express

    replay_dir = tmp_path / "replay"
    args = ["replay", str(path), "--out", str(replay_dir), "--strategy", "online,wave"]
    ran = CliRunner().invoke(cli, [*args, "--no-hindsight", "--bound-time-limit", "5"])
    assert ran.exit_code == 0, ran.output
    assert (replay_dir / "kpis.csv").is_file()

    quiet = export(migrated_db_url, tmp_path / "quiet.json", "2026-03-14")
    assert quiet.exit_code == 2 and "no order was sourced on 2026-03-14" in quiet.output
    assert not (tmp_path / "quiet.json").exists()


def scenario_events(path: Path) -> list[dict]:
    import json

    return list(json.loads(path.read_text())["events"])


def test_a_store_closed_by_its_daily_order_limit_and_its_pause_is_closed_in_the_replay_too(
    state, migrated_db_url, tmp_path
):
    clock = PinnedDay(state.engine, DAY)
    with the_app(state, clock) as day:
        capacity = "/v1/stores/ST-LILLE/capacity"
        with clock.at("07:00"):
            r = day.client.put(capacity, json={"daily_order_limit": 1}, headers=day.ops)
            assert r.status_code == 200, r.text
        # Both in one step (the limit counts today's real orders), a second apart once pinned.
        with clock.at("08:00", stretch=2000):
            first = day.order({"A": 1}, LILLE)
            second = day.order({"A": 1}, LILLE)
        with clock.at("09:00"):
            r = day.client.put(capacity, json={"daily_order_limit": None}, headers=day.ops)
            assert r.status_code == 200, r.text
        with clock.at("09:30"):
            third = day.order({"A": 1}, LILLE)
        with clock.at("10:00"):
            r = day.client.put(capacity, json={"paused": True}, headers=day.ops)
            assert r.status_code == 200, r.text
        with clock.at("10:30"):
            fourth = day.order({"B": 1}, LILLE)
        with clock.at("11:00"):
            r = day.client.put(capacity, json={"paused": False}, headers=day.ops)
            assert r.status_code == 200, r.text
        with clock.at("11:30"):
            fifth = day.order({"B": 1}, LILLE)
    at_store = [o["shipments"][0]["node"] == "ST-LILLE" for o in (first, second, third)]
    assert at_store == [True, False, True]
    assert [o["shipments"][0]["node"] == "ST-LILLE" for o in (fourth, fifth)] == [False, True]

    trip = round_trip(state, migrated_db_url, tmp_path)
    assert per_line(trip.problem, trip.online) == per_line(trip.problem, trip.live)
    assert total(trip.problem, trip.online) == pytest.approx(total(trip.problem, trip.live))
    closures = [
        (e["at"], e["type"])
        for e in scenario_events(trip.path)
        if e.get("node") == "ST-LILLE" and e["type"] in ("outage", "recovery")
    ]
    assert [kind for _, kind in closures] == ["outage", "recovery", "outage", "recovery"]
