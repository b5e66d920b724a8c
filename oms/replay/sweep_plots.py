"""The sweep report's plot (matplotlib, Agg canvas): per KPI, the distribution over seeds of each
strategy's value, and of its paired difference to the baseline on the same seed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from oms.replay.sweep import SweepResult
from oms.replay.sweep_stats import Interval

PLOT_FILE = "distributions.png"
PLOT_KPIS = (("total_cost", "Total cost"), ("fill_rate", "Fill rate"))
DPI = 110
JITTER = 0.15  # half-width of the points' horizontal spread (boxes are 0.5 wide)


def write_sweep_plot(result: SweepResult, out_dir: Path) -> str:
    """Write the plot into `out_dir`; returns its file name."""
    fig = plot_distributions(result)
    FigureCanvasAgg(fig)
    fig.savefig(out_dir / PLOT_FILE, dpi=DPI, metadata={"Software": None})
    return PLOT_FILE


def plot_distributions(result: SweepResult) -> Figure:
    """A row per KPI: the strategies' values side by side, then one panel per other strategy
    with its paired differences on a scale of their own (a baseline far off would flatten the
    rest), its mean and 95% interval drawn beside them."""
    names = list(result.options.strategies)
    base = result.options.baseline
    others = [n for n in names if n != base]
    cols = 1 + len(others)
    fig = Figure(figsize=(4.5 + 2.6 * len(others), 3.8 * len(PLOT_KPIS)), layout="constrained")
    axes = fig.subplots(len(PLOT_KPIS), cols, squeeze=False)
    seeds = len(result.options.seeds)
    fig.suptitle(
        f"{result.scenario.name}: {seeds} seeds; right, each strategy - {base} on the same seed"
    )
    intervals = {(s.strategy, s.kpi): s.difference for s in result.summaries}
    for row, (key, label) in enumerate(PLOT_KPIS):
        _box_strip(axes[row][0], names, [_values(result, name, key) for name in names])
        axes[row][0].set_title(f"{label} per strategy")
        for col, name in enumerate(others, start=1):
            ax = axes[row][col]
            _box_strip(ax, [name], [_differences(result, name, base, key)])
            ax.axhline(0.0, color="#555", linewidth=0.8, linestyle="--")
            _interval_bar(ax, intervals.get((name, key)))
            ax.set_title(f"{label}: {name} - {base}", fontsize=10)
    return fig


def _interval_bar(ax: Axes, interval: Interval | None) -> None:
    """The mean and its 95% interval, right of the box."""
    if interval is None or interval.low is None or interval.high is None:
        return
    below, above = interval.mean - interval.low, interval.high - interval.mean
    ax.errorbar(
        [0.42], [interval.mean], yerr=[[below], [above]], fmt="D", color="#c0392b", capsize=4
    )
    ax.set_xlim(-0.5, 0.65)


def _values(result: SweepResult, strategy: str, key: str) -> list[float]:
    return [
        float(v)
        for r in result.runs
        if r.strategy == strategy and (v := r.kpis.get(key)) is not None
    ]


def _differences(result: SweepResult, strategy: str, base: str, key: str) -> list[float]:
    by = {(r.strategy, r.seed): r.kpis.get(key) for r in result.runs}
    out = []
    for seed in result.options.seeds:
        a, b = by.get((strategy, seed)), by.get((base, seed))
        if a is not None and b is not None:
            out.append(float(a - b))
    return out


def _box_strip(ax: Axes, names: Sequence[str], values: Sequence[list[float]]) -> None:
    """A box per strategy, with every seed's value as a point over it (deterministic jitter)."""
    shown = [(i, v) for i, v in enumerate(values) if v]
    if shown:
        ax.boxplot(
            [v for _, v in shown],
            positions=[i for i, _ in shown],
            widths=0.5,
            showfliers=False,
            medianprops={"color": "#c0392b"},
        )
    rng = np.random.default_rng(0)
    for i, v in shown:
        x = i + rng.uniform(-JITTER, JITTER, len(v))
        ax.scatter(x, v, s=12, alpha=0.6, color="#2c7fb8", zorder=3)
    ax.set_xticks(range(len(names)), list(names))
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.grid(axis="y", alpha=0.3)
