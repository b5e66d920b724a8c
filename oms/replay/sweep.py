"""A sweep: the same scenario replayed over many seeds and strategies, every (seed, strategy) one
task on a Dask cluster (`sweep_cluster.py` opens it), then summarised (`sweep_stats.py`).

    options = sweep_options("1-50", "online,wave")
    with open_client(ClusterSpec()) as client:
        result = run_sweep(client, load_scenario(path), options)
    write_sweep_outputs(result, Path("var/sweep"))

A task is `run_replay` of one strategy for one seed without the lower bound (the bound is per
seed and costs more than the runs), so its KPIs are those `oms replay --seed` writes for that
strategy, byte for byte in kpis.csv terms. The scenario is parsed once, here, and sent to every
worker: workers need the `oms` package, not the scenario's files.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from distributed import Client, WorkerPlugin, as_completed

from oms.domain.errors import ValidationError
from oms.replay.kpis import KPIS
from oms.replay.runner import ProgressFactory, ReplayOptions, run_replay
from oms.replay.scenario_types import Scenario
from oms.replay.simulate import parse_strategies
from oms.replay.sweep_stats import KpiSummary, SweepRun, summarise
from oms.sourcing import registry
from oms.sourcing.registry import Mode

MAX_SEED = 2**32 - 1  # numpy's seed words are 32-bit; a bigger one would alias another
_SEED_ITEM = re.compile(r"^(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class SweepOptions:
    seeds: tuple[int, ...]
    strategies: tuple[str, ...]
    baseline: str  # the strategy every other one is compared with, seed by seed
    wave_minutes: float | None = None
    wave_time_limit_s: float | None = None

    def replay_options(self, seed: int, strategy: str) -> ReplayOptions:
        return ReplayOptions(
            (strategy,),
            seed=seed,
            wave_minutes=self.wave_minutes,
            wave_time_limit_s=self.wave_time_limit_s,
            with_bound=False,
        )


@dataclass(frozen=True)
class SweepResult:
    scenario: Scenario
    options: SweepOptions
    runs: list[SweepRun]  # by seed, then strategy in the order given
    summaries: list[KpiSummary]
    workers: int
    cluster: str  # "local" (a cluster of our own) or the scheduler's address
    elapsed_s: float


def parse_seeds(text: str) -> tuple[tuple[int, ...], list[str]]:
    """`1-50`, `1,2,5`, `3`, or a mix (`1-5,9`): the seeds in the order given, each once; and
    every problem found (an empty list when the text is valid)."""
    seeds: list[int] = []
    problems = []
    for item in (part.strip() for part in text.split(",")):
        match = _SEED_ITEM.match(item)
        if match is None:
            problems.append(f"--seeds: {item!r} is not a seed or a range like 1-50")
            continue
        first = int(match[1])
        last = first if match[2] is None else int(match[2])
        if last < first:
            problems.append(f"--seeds: the range {item} is empty (it must go up, like 1-50)")
        elif last > MAX_SEED:
            problems.append(f"--seeds: {last} is above the largest seed, {MAX_SEED}")
        else:
            seeds.extend(range(first, last + 1))
    return tuple(dict.fromkeys(seeds)), problems


def sweep_options(
    seeds: str,
    strategies: str,
    baseline: str = "online",
    *,
    wave_minutes: float | None = None,
    wave_time_limit_s: float | None = None,
    problems: list[str] | None = None,
) -> SweepOptions:
    """The options from the command line's text; every problem found (with `problems`, those
    the caller found already) is one ValidationError naming each flag."""
    found = list(problems or [])
    parsed_seeds, seed_problems = parse_seeds(seeds)
    found += seed_problems
    names: tuple[str, ...] = ()
    try:
        names = parse_strategies(strategies)
    except ValidationError as exc:
        found += exc.problems
    if names and baseline not in names:
        found.append(
            f"--baseline: {baseline!r} is not among --strategy {','.join(names)} "
            "(add it there, or choose another --baseline)"
        )
    if found:
        raise ValidationError(found)
    return SweepOptions(parsed_seeds, names, baseline, wave_minutes, wave_time_limit_s)


def replay_task(scenario: Scenario, seed: int, strategy: str, options: SweepOptions) -> SweepRun:
    """One (seed, strategy) replay: what a worker runs."""
    started = time.perf_counter()
    result = run_replay(scenario, options.replay_options(seed, strategy))
    (run,) = result.strategies
    return SweepRun(seed, strategy, run.kpis, time.perf_counter() - started)


class WarmUp(WorkerPlugin):  # type: ignore[misc]  # distributed is untyped to mypy here
    """Compiles (or loads from NUMBA_CACHE_DIR) the strategies' kernels once per worker, when
    the worker joins, so that no task pays for it and task times compare."""

    name = "oms-sweep-warm-up"
    idempotent = False  # a later sweep on the same cluster may bring other strategies

    def __init__(self, strategies: tuple[str, ...]) -> None:
        self.strategies = strategies

    def setup(self, worker: object) -> None:
        for name in self.strategies:
            registry.get(name).prepare()


def run_sweep(
    client: Client,
    scenario: Scenario,
    options: SweepOptions,
    progress: ProgressFactory | None = None,
) -> SweepResult:
    """Every (seed, strategy) of `options` as a task on `client`'s cluster; `progress` is told
    of each finished run. A task that fails stops the sweep with its error."""
    started = time.perf_counter()
    client.register_plugin(WarmUp(options.strategies))
    advance = (progress or _silent)("replays", len(options.seeds) * len(options.strategies))
    shared = client.scatter(scenario, broadcast=True)
    futures = [
        client.submit(
            replay_task,
            shared,
            seed,
            name,
            options,
            pure=False,
            # wave runs take longest: start them first so that no worker is left with one at
            # the end while the others idle
            priority=1 if registry.get(name).mode is Mode.wave else 0,
        )
        for seed in options.seeds
        for name in options.strategies
    ]
    runs = []
    for future in as_completed(futures, loop=client.loop):
        runs.append(future.result())
        advance(1)
    order = {name: i for i, name in enumerate(options.strategies)}
    runs.sort(key=lambda r: (r.seed, order[r.strategy]))
    summaries = summarise(runs, options.strategies, options.baseline, [k.key for k in KPIS])
    return SweepResult(
        scenario,
        options,
        runs,
        summaries,
        workers=len(client.scheduler_info(n_workers=-1)["workers"]),
        cluster="local" if client.cluster is not None else str(client.scheduler_info()["address"]),
        elapsed_s=time.perf_counter() - started,
    )


def _silent(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None
