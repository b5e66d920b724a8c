"""`oms scenario export` on a day of the demo network's 2,000 orders (issue 18, part 3).

Setup (not timed): the demo network seeded the evening before, then its 2,000 orders placed one
by one through the order service on SQLite (those that find no stock are refused, as checkout
would), a third each before, during (11:00-15:00) and after an outage of the Paris warehouse,
the day pinned to 2026-03-12 (tests/integration/day_clock.py). Timed: the
export (reading the day's records, rebuilding the stock at the start, writing the scenario and
its order stream). Checked: the replay under online makes the live decision of every order
(allocations per line and node) at the live cost, and the wave strategy's cost.
Run: `.venv/bin/pytest benchmarks/test_bench_scenario_export.py --benchmark-only -s`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.api.state import AppState
from oms.bootstrap import open_state
from oms.catalog import service as catalog
from oms.db import tables
from oms.db.day_history import read_day_history
from oms.domain.errors import OmsError
from oms.orders.service import OrderForm, create_order
from oms.promise.service import SOURCING
from oms.replay import ReplayOptions, load_scenario, parse_strategies, run_replay
from oms.replay.export import Export, day_bounds, export_day, write_export
from oms.seed import seed_network
from oms.sourcing import cost
from oms.sourcing.contract import Allocations, Problem
from tests.db_templates import migrated_sqlite
from tests.integration.day_clock import PinnedDay

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo-fr.json"
DAY = date(2026, 3, 12)
STRETCH = 300.0  # the orders' seconds of real time spread over hours of the pinned day
OUTAGE = "DC-PARIS"


def place_the_day(url: str) -> int:
    """The demo network, then its orders, a third each before, during and after an outage of
    the Paris warehouse; the number placed."""
    state = open_state(url, run_migrations=False)
    state.networks.refresh_s = 0.0
    clock = PinnedDay(state.engine, DAY)
    with clock.at("18:00", days=-1), state.unit_of_work() as uow:
        seed_network(uow, DEMO)
    orders = json.loads(DEMO.read_text(encoding="utf-8"))["orders"]
    third = len(orders) // 3
    placed = 0
    for start, hhmm, switch in (
        (0, "07:00", None),
        (third, "11:00", False),
        (2 * third, "15:00", True),
    ):
        if switch is not None:
            with clock.at(hhmm), state.unit_of_work() as uow:
                catalog.set_node_enabled(uow, OUTAGE, switch)
        with clock.at(hhmm.replace(":00", ":05"), stretch=STRETCH):
            end = start + third if start < 2 * third else len(orders)
            placed += sum(place(state, o) for o in orders[start:end])
    state.engine.dispose()
    return placed


def place(state: AppState, o: dict[str, Any]) -> bool:
    """Place one order of the problem file; False when no stock is left for it (refused)."""
    lines = [(line["sku"], line["qty"]) for line in o["lines"]]
    if o["delivery"] == "pickup":
        form = OrderForm(lines=lines, method="pickup", pickup_node=o["pickup_node"])
    else:
        form = OrderForm(lines=lines, destination=(o["lat"], o["lon"]))
    try:
        with state.unit_of_work() as uow:
            create_order(uow, state.networks, form, key=None)
    except OmsError:
        return False  # out of stock everywhere (or its store is down): refused, as at checkout
    return True


def export_the_day(url: str, out: Path) -> Export:
    state = open_state(url, run_migrations=False)
    start, end = day_bounds(DAY, "Europe/Paris")
    with Session(state.engine) as session, session.begin():
        history = read_day_history(session, start, end)
    state.engine.dispose()
    result = export_day(history, DAY, "Europe/Paris", SOURCING, orders_csv="day.orders.csv")
    write_export(result, out)
    return result


def live_per_order(url: str) -> dict[str, dict[tuple[str, str], int]]:
    state = open_state(url, run_migrations=False)
    ln, a = tables.order_lines.c, tables.allocations.c
    stmt = select(ln.order_id, ln.id, a.node_id, a.qty).join(
        tables.allocations, a.order_line_id == ln.id
    )
    out: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    with state.engine.connect() as conn:
        for oid, line, node, qty in conn.execute(stmt):
            out[oid][(line, node)] = out[oid].get((line, node), 0) + qty
    state.engine.dispose()
    return dict(out)


def per_order(problem: Problem, alloc: Allocations) -> dict[str, dict[tuple[str, str], int]]:
    o, ids = problem.orders, problem.nodes.ids
    out: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for i, k, n, q in zip(alloc.order, alloc.line, alloc.node, alloc.qty, strict=True):
        key = (o.line_ids[k], ids[n])
        out[o.ids[i]][key] = out[o.ids[i]].get(key, 0) + int(q)
    return dict(out)


def as_allocations(problem: Problem, live: dict[str, dict[tuple[str, str], int]]) -> Allocations:
    o = problem.orders
    order_of = {oid: i for i, oid in enumerate(o.ids)}
    line_of = {lid: k for k, lid in enumerate(o.line_ids)}
    rows = [
        (order_of[oid], line_of[line], problem.nodes.index[node], qty)
        for oid, lines in live.items()
        for (line, node), qty in lines.items()
    ]
    cols = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    return Allocations(*cols)


@pytest.mark.slow
def test_bench_export_of_a_two_thousand_order_day(benchmark: Any, tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "oms.db")
    placed = place_the_day(url)
    out = tmp_path / "day.json"
    result: Export = benchmark.pedantic(export_the_day, args=(url, out), rounds=1, iterations=1)
    options = ReplayOptions(parse_strategies("online,wave"), with_bound=False, with_hindsight=False)
    replayed = run_replay(load_scenario(out), options)
    problem = replayed.day.problem
    online, wave = (r.run.allocations for r in replayed.strategies)
    live = live_per_order(url)
    replayed_online = per_order(problem, online)
    same = sum(live.get(oid) == replayed_online.get(oid) for oid in problem.orders.ids)
    live_cost = cost.evaluate(problem, as_allocations(problem, live)).cost.total
    benchmark.extra_info.update(
        orders=placed,
        events=len(result.scenario["events"]),
        export_s=round(benchmark.stats.stats.max, 3),
        online_equal_to_live=same,
        live_cost=round(live_cost, 2),
        online_cost=round(cost.evaluate(problem, online).cost.total, 2),
        wave_cost=round(cost.evaluate(problem, wave).cost.total, 2),
    )
    assert result.orders == placed == len(problem.orders) > 1_500
    assert same == placed
    assert cost.evaluate(problem, online).cost.total == pytest.approx(live_cost)
