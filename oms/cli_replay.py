"""`oms replay` and `oms sweep`: the analysts' commands (registered on the app in `cli.py`).

Engines are imported inside the commands, so `oms --help` stays quick."""

from __future__ import annotations

import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from oms.cli_common import fail as _fail
from oms.domain.errors import OmsError
from oms.sourcing.registry import STRATEGY_NAMES

# The options both commands take, declared once.
ScenarioArg = Annotated[
    Path, typer.Argument(metavar="SCENARIO.json", help="Scenario file (scenarios/README.md).")
]
StrategiesOpt = Annotated[str, typer.Option(help=f"Comma-separated: {', '.join(STRATEGY_NAMES)}.")]
ALL_STRATEGIES = ",".join(STRATEGY_NAMES)
WaveMinutesOpt = Annotated[
    float | None, typer.Option(min=0.1, help="Wave period in simulated minutes.")
]
WaveTimeLimitOpt = Annotated[float | None, typer.Option(min=0.1, help="Seconds per wave solve.")]


def replay(
    scenario_path: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", help="Directory for kpis.csv, plots, report.")],
    strategy: StrategiesOpt = ALL_STRATEGIES,
    seed: Annotated[int | None, typer.Option(help="Override the scenario's seed.")] = None,
    wave_minutes: WaveMinutesOpt = None,
    wave_time_limit: WaveTimeLimitOpt = None,
    bound_time_limit: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds for the lower bound.")
    ] = None,
    hindsight_time_limit: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds for the hindsight optimum.")
    ] = None,
    hindsight: Annotated[
        bool, typer.Option("--hindsight/--no-hindsight", help="Solve the hindsight optimum.")
    ] = True,
    lookahead_minutes: Annotated[
        float | None,
        typer.Option(min=1.0, help="How often lookahead re-prices, in simulated minutes (60)."),
    ] = None,
    forecast: Annotated[
        str,
        typer.Option(
            help="What lookahead forecasts from: model (the scenario's true rates) or history "
            "(the same-weekday estimator over 4 weeks)."
        ),
    ] = "model",
) -> None:
    """Replay SCENARIO's day through each strategy; write KPIs, plots and an HTML report to DIR."""
    from rich.console import Console

    from oms import replay as rp

    try:
        options = rp.ReplayOptions(
            rp.parse_strategies(strategy),
            seed=seed,
            wave_minutes=wave_minutes,
            wave_time_limit_s=wave_time_limit,
            bound_time_limit_s=bound_time_limit,
            hindsight_time_limit_s=hindsight_time_limit,
            with_hindsight=hindsight,
            forecast=rp.parse_forecast(forecast),
            lookahead_minutes=lookahead_minutes,
        )
        scenario = rp.load_scenario(scenario_path)
        with _task_progress() as progress:
            result = rp.run_replay(scenario, options, progress)
        rp.write_outputs(result, out)
    except OmsError as exc:
        _fail(exc.detail)
    except OSError as exc:
        _fail(f"cannot write to {out}: {exc.strerror}")
    Console(width=max(100, shutil.get_terminal_size().columns)).print(rp.kpi_table(result))
    typer.echo(f"wrote {out}: kpis.csv, report.html, plots ({result.elapsed_s:.1f} s)", err=True)


@contextmanager
def _task_progress() -> Iterator[Callable[[str, int], Callable[[int], None]] | None]:
    """Progress bars on stderr, one per task, only when a person is watching."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:

        def task(label: str, total: int) -> Callable[[int], None]:
            handle = bar.add_task(label, total=total)
            return lambda n: bar.advance(handle, n)

        yield task


def sweep(
    scenario_path: ScenarioArg,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for runs.csv, summary.csv, the report.")
    ],
    seeds: Annotated[
        str, typer.Option(help="Seeds to replay: a range 1-50, a list 1,2,5, one seed, or a mix.")
    ],
    strategy: StrategiesOpt = ALL_STRATEGIES,
    baseline: Annotated[
        str, typer.Option(help="The strategy the others are compared with, seed by seed.")
    ] = "online",
    workers: Annotated[
        int | None,
        typer.Option(help="Worker processes of the local cluster (default: one per core)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run on this Dask scheduler's cluster (tcp://host:8786) instead."),
    ] = None,
    wave_minutes: WaveMinutesOpt = None,
    wave_time_limit: WaveTimeLimitOpt = None,
) -> None:
    """Replay SCENARIO for every seed and strategy on a Dask cluster; write every run's KPIs,
    their means with 95% intervals and paired differences, and a report to DIR."""
    from rich.console import Console

    from oms.replay.scenario import load_scenario
    from oms.replay.sweep import run_sweep, sweep_options
    from oms.replay.sweep_cluster import ClusterSpec, cluster_problems, open_client
    from oms.replay.sweep_report import summary_table, write_sweep_outputs

    try:
        options = sweep_options(
            seeds,
            strategy,
            baseline,
            wave_minutes=wave_minutes,
            wave_time_limit_s=wave_time_limit,
            problems=cluster_problems(scheduler, workers),
        )
        scenario = load_scenario(scenario_path)
        with (
            _exit_on_sigterm(),
            open_client(ClusterSpec(scheduler, workers)) as client,
            _task_progress() as progress,
        ):
            result = run_sweep(client, scenario, options, progress)
    except OmsError as exc:
        _fail(exc.detail)
    try:
        write_sweep_outputs(result, out)
    except OSError as exc:
        _fail(f"cannot write to {out}: {exc.strerror}")
    Console(width=max(100, shutil.get_terminal_size().columns)).print(summary_table(result))
    typer.echo(
        f"wrote {out}: runs.csv, summary.csv, report.html ({len(result.runs)} runs on "
        f"{result.workers} workers, {result.elapsed_s:.1f} s)",
        err=True,
    )


@contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so that a local cluster's worker processes are shut down."""
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
