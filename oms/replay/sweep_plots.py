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
    names = list(result.options.strategies)
    base = result.options.baseline
    others = [n for n in names if n != base]
    fig = Figure(figsize=(11, 4.2 * len(PLOT_KPIS)), layout="constrained")
    axes = fig.subplots(len(PLOT_KPIS), 2, squeeze=False)
    seeds = len(result.options.seeds)
    fig.suptitle(f"{result.scenario.name}: {seeds} seeds, {len(result.runs)} runs")
    for row, (key, label) in enumerate(PLOT_KPIS):
        values = [_values(result, name, key) for name in names]
        _box_strip(axes[row][0], names, values)
        axes[row][0].set_title(f"{label} per strategy")
        diff_axes = axes[row][1]
        if others:
            _box_strip(diff_axes, others, [_differences(result, n, base, key) for n in others])
            diff_axes.axhline(0.0, color="#555", linewidth=0.8, linestyle="--")
        else:
            diff_axes.text(
                0.5, 0.5, "no other strategy", ha="center", transform=diff_axes.transAxes
            )
        diff_axes.set_title(f"{label}: paired difference to {base} (same seed)")
    return fig


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
