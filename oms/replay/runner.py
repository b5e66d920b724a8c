"""One replay: the day built from a scenario, every strategy run over it, KPIs, the bound and the
hindsight optimum."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from oms.replay.bound import Bound, day_bound
from oms.replay.day import Day, build_day
from oms.replay.forecasts import ForecastSource, forecast_lines
from oms.replay.hindsight import Hindsight, day_hindsight
from oms.replay.kpis import Value, close_gaps, facts, strategy_kpis
from oms.replay.ontime import promised_dates
from oms.replay.scenario_types import Scenario, WaveSettings
from oms.replay.simulate import StrategyRun, run_strategy
from oms.replay.timeline import Series, kpis_over_time

# Progress: given a task label and its size, a callback that is told each step's size.
ProgressFactory = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class ReplayOptions:
    """What the command line may override in a scenario (None: the scenario's value)."""

    strategies: tuple[str, ...]
    seed: int | None = None
    wave_minutes: float | None = None
    wave_time_limit_s: float | None = None
    bound_time_limit_s: float | None = None
    with_bound: bool = True
    # The hindsight optimum (hindsight.py); its time limit defaults to the scenario's bound's.
    with_hindsight: bool = True
    hindsight_time_limit_s: float | None = None
    # What the lookahead strategy forecasts from (forecasts.py): the true rates or the estimator.
    forecast: ForecastSource = ForecastSource.model
    lookahead_minutes: float | None = None  # its re-pricing period (None: the strategy's own)


@dataclass(frozen=True)
class StrategyResult:
    run: StrategyRun
    kpis: dict[str, Value]
    series: Series


@dataclass(frozen=True)
class ReplayResult:
    day: Day
    wave: WaveSettings
    strategies: list[StrategyResult]
    bound: Bound | None
    elapsed_s: float
    hindsight: Hindsight | None = None

    @property
    def scenario(self) -> Scenario:
        return self.day.scenario


def run_replay(
    scenario: Scenario, options: ReplayOptions, progress: ProgressFactory | None = None
) -> ReplayResult:
    """Build the scenario's day for the options' seed, then `replay_day`."""
    started = time.perf_counter()
    result = replay_day(build_day(scenario, options.seed), options, progress)
    return replace(result, elapsed_s=time.perf_counter() - started)


def replay_day(
    day: Day, options: ReplayOptions, progress: ProgressFactory | None = None
) -> ReplayResult:
    """Run each strategy over the same day, then price and measure every run."""
    started = time.perf_counter()
    tell = progress or _silent
    wave = _wave_settings(day.scenario.wave, options)
    runs = [
        run_strategy(
            day,
            name,
            wave_period_s=wave.period_s,
            wave_time_limit_s=wave.time_limit_s,
            progress=tell(name, day.n_orders),
            demand=functools.partial(forecast_lines, day, options.forecast),
            lookahead_period_s=None
            if options.lookahead_minutes is None
            else options.lookahead_minutes * 60.0,
        )
        for name in options.strategies
    ]
    bound = None
    if options.with_bound:
        step = tell("lower bound", 1)
        bound = day_bound(day, options.bound_time_limit_s or day.scenario.bound_time_limit_s)
        step(1)
    hindsight = None
    if options.with_hindsight:
        step = tell("hindsight optimum", 1)
        hindsight = _hindsight(day, options, runs, bound)
        step(1)
    step = tell("KPIs", len(runs))
    promised = promised_dates(day)
    results = []
    for run in runs:
        kpis = strategy_kpis(facts(day, run, promised), bound, hindsight)
        results.append(StrategyResult(run, kpis, kpis_over_time(day, run)))
        step(1)
    close_gaps({r.run.name: r.kpis for r in results}, hindsight)
    return ReplayResult(day, wave, results, bound, time.perf_counter() - started, hindsight)


def _hindsight(
    day: Day, options: ReplayOptions, runs: list[StrategyRun], bound: Bound | None
) -> Hindsight:
    """Seeded with every run's plan: the cheapest that keeps time's rules starts the search."""
    limit = options.hindsight_time_limit_s or day.scenario.bound_time_limit_s
    plans = {run.name: run.allocations for run in runs}
    return day_hindsight(day, limit, plans, None if bound is None else bound.value)


def _wave_settings(wave: WaveSettings, options: ReplayOptions) -> WaveSettings:
    if options.wave_minutes is not None:
        wave = replace(wave, period_s=options.wave_minutes * 60.0)
    if options.wave_time_limit_s is not None:
        wave = replace(wave, time_limit_s=options.wave_time_limit_s)
    return wave


def _silent(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None
