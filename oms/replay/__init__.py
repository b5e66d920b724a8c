"""Scenario replay for analysts: one day's orders through several sourcing strategies, side by
side, each measured by the same KPIs and against one proven lower bound.

    scenario = load_scenario("scenarios/weekday-fr.json")
    result = run_replay(scenario, ReplayOptions(parse_strategies("online,wave")))
    write_outputs(result, Path("var/replay"))

Modules: scenario (format and validation), day (the seeded day), simulate (clock, events,
strategies), forecasts (what lookahead forecasts from), bound, hindsight, kpis (every
definition), ontime and fulfilment (promise dates, short picks, availability, returns), timeline,
plots, report, policies (the report's policies side by side), builder (the shipped scenarios).
"""

from oms.replay.forecasts import ForecastSource, parse_forecast
from oms.replay.report import kpi_table, write_outputs
from oms.replay.runner import ReplayOptions, ReplayResult, run_replay
from oms.replay.scenario import load_scenario, parse_scenario
from oms.replay.simulate import parse_strategies
from oms.sourcing.registry import STRATEGY_NAMES

__all__ = [
    "STRATEGY_NAMES",
    "ForecastSource",
    "ReplayOptions",
    "ReplayResult",
    "kpi_table",
    "load_scenario",
    "parse_forecast",
    "parse_scenario",
    "parse_strategies",
    "run_replay",
    "write_outputs",
]
