"""What looking ahead is worth: each scarce scenario replayed with `online`, `lookahead` and
`wave` against the hindsight optimum, and `lookahead` again with the estimated forecast.

Targets (issue 17): on black-friday-fr and flash-sale-fr, `lookahead` closes at least 30% of the
gap between `online` and the hindsight optimum (stretch: 50%); on weekday-fr (ample stock) it
costs no more than `online` + 0.1%. Printed per scenario and strategy: the cost, its gap to the
hindsight optimum, the gap closed, fill, split and on-time rates; and what forecast error costs
(the same-weekday estimator over 4 weeks instead of the true rates).

CI runs flash-sale-fr at a quarter of its size (orders, stock and capacities, so it stays
scarce); `OMS_BENCH_SCALE=full` runs the three shipped scenarios as they are (about 10 minutes on
this machine): `OMS_BENCH_SCALE=full .venv/bin/pytest -q -s benchmarks/test_bench_lookahead.py`.
With OMS_BENCH_STRICT=1 the targets are asserted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.conftest import STRICT
from oms.replay.forecasts import ForecastSource
from oms.replay.runner import ReplayOptions, ReplayResult, run_replay
from oms.replay.scenario import load_scenario, parse_scenario
from oms.replay.scenario_types import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
FULL = os.environ.get("OMS_BENCH_SCALE") == "full"
CASES = ["black-friday-fr", "flash-sale-fr", "weekday-fr"] if FULL else ["flash-sale-fr"]
QUARTER = 4
STRATEGIES = ("online", "lookahead", "wave")
TARGET_CLOSED = 0.30
WEEKDAY_EXTRA = 0.001


def scenario(name: str) -> Scenario:
    if FULL:
        return load_scenario(SCENARIOS / f"{name}.json")
    data = json.loads((SCENARIOS / f"{name}.json").read_text(encoding="utf-8"))
    data["demand"]["model"]["orders"] //= QUARTER
    for row in data["network"]["inventory"]:
        row["qty"] = -(-row["qty"] // QUARTER)
    for node in data["network"]["nodes"]:
        if node["capacity_units"] is not None:
            node["capacity_units"] = -(-node["capacity_units"] // QUARTER)
    for event in data["events"]:
        for key in ("qty", "capacity_units"):
            if isinstance(event.get(key), int):
                event[key] = -(-event[key] // QUARTER)
    data["bound"]["time_limit_s"] = 20
    return parse_scenario(data, base_dir=SCENARIOS)


def rows(result: ReplayResult, estimated: ReplayResult) -> list[dict[str, Any]]:
    """A row per strategy; the estimated-forecast run is measured against the same online run
    and hindsight optimum as the rest (same scenario, same seed: the same day)."""
    online = next(s for s in result.strategies if s.run.name == "online")
    assert result.hindsight is not None
    gap = float(online.kpis["total_cost"] or 0.0) - result.hindsight.cost
    out = []
    for s, suffix in [*((s, "") for s in result.strategies), (estimated.strategies[0], " (est.)")]:
        k = s.kpis
        cost = float(k["total_cost"] or 0.0)
        out.append(
            {
                "strategy": s.run.name + suffix,
                "cost": round(cost, 2),
                "gap_to_hindsight": _round((cost - result.hindsight.cost) / result.hindsight.cost),
                "gap_closed": _round((float(online.kpis["total_cost"] or 0.0) - cost) / gap)
                if gap > 1e-9
                else None,
                "fill_rate": _round(k["fill_rate"]),
                "split_rate": _round(k["split_rate"]),
                "on_time_rate": _round(k["on_time_rate"]),
                "unfilled_units": k["unfilled_units"],
                "elapsed_s": round(s.run.elapsed_s, 1),
            }
        )
    return out


def _round(value: object) -> float | None:
    return round(float(value), 4) if isinstance(value, int | float) else None


@pytest.mark.slow
@pytest.mark.parametrize("name", CASES)
def test_bench_lookahead_against_the_hindsight_optimum(benchmark: Any, name: str) -> None:
    day_scenario = scenario(name)

    def replay() -> tuple[ReplayResult, ReplayResult]:
        truth = run_replay(day_scenario, ReplayOptions(STRATEGIES))
        estimated = run_replay(
            day_scenario,
            ReplayOptions(
                ("lookahead",),
                with_bound=False,
                with_hindsight=False,
                forecast=ForecastSource.history,
            ),
        )
        return truth, estimated

    truth, estimated = benchmark.pedantic(replay, rounds=1, iterations=1)
    assert truth.hindsight is not None
    table = rows(truth, estimated)
    benchmark.extra_info.update(
        scenario=name if FULL else f"{name} (a quarter)",
        hindsight_cost=round(truth.hindsight.cost, 2),
        hindsight_bound=round(truth.hindsight.bound, 2),
        hindsight_proven=truth.hindsight.proven,
        relaxed_bound=None if truth.bound is None else round(truth.bound.value, 2),
        strategies=table,
    )
    print(f"\n{name}: hindsight {truth.hindsight.cost:.2f} (bound {truth.hindsight.bound:.2f})")
    for row in table:
        print("  " + ", ".join(f"{k}={v}" for k, v in row.items()))
    by_name = {row["strategy"]: row for row in table}
    # Behaviour, whatever the machine: looking ahead never loses a unit online would fill.
    assert (by_name["lookahead"]["fill_rate"] or 0.0) >= (by_name["online"]["fill_rate"] or 0.0)
    if STRICT and name == "weekday-fr":
        assert by_name["lookahead"]["cost"] <= by_name["online"]["cost"] * (1 + WEEKDAY_EXTRA)
    elif STRICT:
        assert (by_name["lookahead"]["gap_closed"] or 0.0) >= TARGET_CLOSED
    # The replay's own gap_closed KPI says the same as the table.
    kpi = next(s.kpis["gap_closed"] for s in truth.strategies if s.run.name == "lookahead")
    assert _round(kpi) == by_name["lookahead"]["gap_closed"]
