"""Every strategy's replay of a random day respects the network as the events leave it.

A plain reference walks the day in time order (events, then each order's allocations at its
release) and checks what the simulator must never do: take stock that is not there, ship from a
node that is down, go beyond a node's capacity as it stands when the units are taken. The
contract's own checks (`cost.violations`) cover eligibility, line quantities and max_shipments.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.replay.bound import relaxed_problem
from oms.replay.day import Day, build_day
from oms.replay.scenario import parse_scenario
from oms.replay.scenario_types import CapacityChange, Outage, Receipt, Recovery
from oms.replay.simulate import StrategyRun, run_strategy
from oms.sourcing import cost
from oms.sourcing.contract import NO_LIMIT
from oms.sourcing.registry import STRATEGY_NAMES
from tests.problems import random_problem_dict
from tests.unit.test_replay_fixtures import write_rows


def check_against_the_timeline(day: Day, run: StrategyRun) -> None:
    p, a = day.problem, run.allocations
    stock, used = p.stock.copy(), np.zeros(len(p.nodes), dtype=np.int64)
    capacity, up = p.nodes.capacity.copy(), np.ones(len(p.nodes), dtype=np.bool_)
    steps = [(e.at_s, 0, i) for i, e in enumerate(day.scenario.events)]
    steps += [(float(run.release_s[a.order[r]]), 1, r) for r in range(len(a))]
    for _, kind, i in sorted(steps):
        if kind == 0:
            match day.scenario.events[i]:
                case Outage(nodes=nodes) | Recovery(nodes=nodes) as e:
                    up[list(nodes)] = isinstance(e, Recovery)
                case Receipt(node=node, sku=sku, qty=qty):
                    stock[sku, node] += qty
                case CapacityChange(nodes=nodes, capacity=units, factor=factor):
                    for n in nodes:
                        if factor is None:
                            capacity[n] = NO_LIMIT if units is None else units
                        elif capacity[n] < NO_LIMIT:
                            capacity[n] = int(capacity[n] * factor)
            continue
        node, sku, qty = int(a.node[i]), int(p.orders.line_sku[a.line[i]]), int(a.qty[i])
        assert up[node], f"{run.name}: node {node} is down"
        assert stock[sku, node] >= qty, f"{run.name}: takes stock that is not there"
        assert used[node] + qty <= capacity[node], f"{run.name}: beyond capacity"
        stock[sku, node] -= qty
        used[node] += qty


@st.composite
def days(draw: st.DrawFn) -> dict[str, Any]:
    """A random network and orders (tests.problems) spread over 08:00-12:00, with events."""
    problem = random_problem_dict(
        draw(st.integers(0, 2**32 - 1)),
        n_nodes=draw(st.integers(2, 5)),
        n_orders=draw(st.integers(1, 8)),
        capacity_chance=0.5,
    )
    nodes = [n["id"] for n in problem["nodes"]]
    skus = sorted({row["sku"] for row in problem["inventory"]}) or ["S0"]
    minutes = sorted(
        draw(
            st.lists(
                st.integers(0, 239),
                min_size=len(problem["orders"]),
                max_size=len(problem["orders"]),
            )
        )
    )
    times = [f"{8 + m // 60:02d}:{m % 60:02d}" for m in minutes]
    events: list[dict[str, Any]] = []
    down = draw(st.sampled_from(nodes))
    start, length = draw(st.integers(0, 200)), draw(st.integers(10, 120))
    events.append({"at": _clock(start), "type": "outage", "node": down})
    if start + length < 240:
        events.append({"at": _clock(start + length), "type": "recovery", "node": down})
    for _ in range(draw(st.integers(0, 2))):
        events.append(
            {
                "at": _clock(draw(st.integers(0, 239))),
                "type": "receipt",
                "node": draw(st.sampled_from(nodes)),
                "sku": draw(st.sampled_from(skus)),
                "qty": draw(st.integers(1, 4)),
            }
        )
    if draw(st.booleans()):
        change = (
            {"capacity_units": draw(st.integers(0, 4))} if draw(st.booleans()) else {"factor": 0.5}
        )
        events.append(
            {
                "at": _clock(draw(st.integers(0, 239))),
                "type": "capacity",
                "node": draw(st.sampled_from(nodes)),
                **change,
            }
        )
    return {"problem": problem, "times": times, "events": events}


def _clock(minute: int) -> str:
    return f"{8 + minute // 60:02d}:{minute % 60:02d}"


def _scenario(drawn: dict[str, Any], folder: Path) -> Day:
    problem = drawn["problem"]
    rows = []
    for order, time in zip(problem["orders"], drawn["times"], strict=True):
        for line in order["lines"]:
            rows.append(
                [
                    order["id"],
                    time,
                    str(order["lat"]),
                    str(order["lon"]),
                    order["delivery"],
                    order["pickup_node"] or "",
                    "" if order["max_shipments"] is None else str(order["max_shipments"]),
                    line["id"],
                    line["sku"],
                    str(line["qty"]),
                ]
            )
    write_rows(folder / "orders.csv", rows)
    data = {
        "version": 1,
        "name": "random",
        "seed": 1,
        "clock": {"date": "2026-12-01", "start": "08:00", "end": "12:00"},
        "network": {k: problem[k] for k in ("settings", "nodes", "inventory")},
        "demand": {"orders_csv": "orders.csv"},
        "events": drawn["events"],
        "wave": {"period_minutes": 45, "time_limit_s": 1},
    }
    return build_day(parse_scenario(data, base_dir=folder))


@settings(max_examples=40)
@given(days())
def test_every_strategy_respects_stock_capacity_and_outages_over_time(drawn):
    with tempfile.TemporaryDirectory() as folder:
        day = _scenario(drawn, Path(folder))
    for name in STRATEGY_NAMES:
        run = run_strategy(
            day, name, wave_period_s=2700, wave_time_limit_s=1.0, progress=lambda n: None
        )
        check_against_the_timeline(day, run)
        assert cost.violations(relaxed_problem(day), run.allocations) == [], name
        assert np.all(run.release_s >= day.arrival_s)
