"""Scenario replay: the online strategy over a million-order day, and each shipped scenario with
all five strategies.

Targets (issue 7): the online strategy replays >= 1,000,000 orders in <= 60 s on this machine;
each shipped scenario replays with all five strategies in about a minute. The million-order day is
the weekday scenario's network with 340 times its stock and capacity, a DC outage from 12:00 to
15:00, and orders drawn by its demand model straight into arrays (not timed: the draw is setup).
Timed: the simulation (the stream kernel between events) and every KPI and KPI-over-time figure
(no plots, no bound, no hindsight optimum). With ``OMS_BENCH_SCALE=full`` the shipped scenarios
also solve the hindsight optimum (`hindsight.py`) within the scenario's time limit (60 s; CI
skips it to stay quick): its time, bound, whether it was proven and each strategy's gap to it are
reported, and the minute's target is checked without it. CI replays the five strategies of
issue 7; `OMS_BENCH_SCALE=full` adds lookahead (issue 17; its own benchmark is
test_bench_lookahead.py).
Run: `.venv/bin/pytest benchmarks/test_bench_replay.py --benchmark-only`.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import STRICT
from oms.replay.day import Day, build_day
from oms.replay.report import write_outputs
from oms.replay.runner import ReplayOptions, ReplayResult, replay_day, run_replay
from oms.replay.scenario import load_scenario, parse_scenario
from oms.sourcing.online import warm_up
from oms.sourcing.registry import STRATEGY_NAMES

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
MILLION = 1_000_000
STOCK_SCALE = 340  # the weekday network holds stock for ~3,000 orders
FULL = os.environ.get("OMS_BENCH_SCALE") == "full"
# CI leaves out lookahead here: its LP solves take 20-55 s a scenario, and
# test_bench_lookahead.py measures it against the hindsight optimum.
SHIPPED_STRATEGIES = (
    STRATEGY_NAMES if FULL else tuple(n for n in STRATEGY_NAMES if n != "lookahead")
)


@cache
def million_order_day() -> Day:
    data = json.loads((SCENARIOS / "weekday-fr.json").read_text(encoding="utf-8"))
    data["demand"]["model"]["orders"] = MILLION
    for row in data["network"]["inventory"]:
        row["qty"] *= STOCK_SCALE
    for node in data["network"]["nodes"]:
        if node["capacity_units"] is not None:
            node["capacity_units"] *= STOCK_SCALE
    data["events"] += [
        {"at": "12:00", "type": "outage", "node": "DC-PARIS"},
        {"at": "15:00", "type": "recovery", "node": "DC-PARIS"},
    ]
    return build_day(parse_scenario(data, base_dir=SCENARIOS))


def test_bench_online_replay_of_a_million_orders(benchmark: Any) -> None:
    day = million_order_day()
    warm_up()
    options = ReplayOptions(("online",), with_bound=False, with_hindsight=False)
    result: ReplayResult = benchmark.pedantic(
        replay_day, args=(day, options), rounds=1, iterations=1
    )
    online = result.strategies[0]
    elapsed = benchmark.stats.stats.max
    benchmark.extra_info.update(
        orders=day.n_orders,
        lines=len(day.problem.orders.line_qty),
        allocations=len(online.run.allocations),
        simulate_s=round(online.run.elapsed_s, 3),
        replay_with_kpis_s=round(elapsed, 3),
        orders_per_s=round(day.n_orders / elapsed),
        fill_rate=online.kpis["fill_rate"],
    )
    assert day.n_orders >= MILLION
    assert online.kpis["fill_rate"] is not None and online.kpis["fill_rate"] > 0.9
    if STRICT:
        assert elapsed <= 60.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["weekday-fr", "black-friday-fr", "dc-outage-fr"])
def test_bench_shipped_scenario_with_all_five_strategies(
    benchmark: Any, name: str, tmp_path: Path
) -> None:
    scenario = load_scenario(SCENARIOS / f"{name}.json")
    warm_up()

    def replay() -> ReplayResult:
        result = run_replay(scenario, ReplayOptions(SHIPPED_STRATEGIES, with_hindsight=FULL))
        write_outputs(result, tmp_path)
        return result

    result = benchmark.pedantic(replay, rounds=1, iterations=1)
    assert result.bound is not None
    hindsight = result.hindsight
    if hindsight is not None:
        benchmark.extra_info.update(
            hindsight_s=round(hindsight.elapsed_s, 3),
            hindsight_proven=hindsight.proven,
            hindsight_cost=round(hindsight.cost, 2),
            hindsight_bound=round(hindsight.bound, 2),
            gap_to_hindsight={s.run.name: s.kpis["gap_to_hindsight"] for s in result.strategies},
        )
    benchmark.extra_info.update(
        orders=result.day.n_orders,
        bound_s=round(result.bound.elapsed_s, 3),
        bound_converged=result.bound.converged,
        **{f"{s.run.name}_s": round(s.run.elapsed_s, 3) for s in result.strategies},
        waves_proven_optimal=[
            f"{s.run.waves_optimal}/{s.run.waves}" for s in result.strategies if s.run.waves
        ],
    )
    if STRICT:
        assert benchmark.stats.stats.max - (hindsight.elapsed_s if hindsight else 0.0) <= 60.0
