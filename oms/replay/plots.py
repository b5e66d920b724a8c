"""The report's plots, as PNG files (matplotlib, Agg canvas: no display, no global pyplot state)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from oms.replay.runner import ReplayResult, StrategyResult
from oms.replay.scenario_types import Outage
from oms.sourcing.demo import french_cities

PLOT_FILES = {
    "cost": "cost.png",
    "splits": "splits.png",
    "over_time": "kpi_over_time.png",
    "map": "map.png",
}
COST_PARTS = (
    ("shipping_cost", "shipping"),
    ("handling_cost", "handling"),
    ("split_cost", "split penalties"),
    ("unfilled_cost", "unfilled penalties"),
)
MAP_FLOWS = 150  # heaviest node -> region flows drawn per strategy
REGION_DEG = 1.0  # destination regions: cells of this many degrees
DPI = 110


def write_plots(result: ReplayResult, out_dir: Path) -> dict[str, str]:
    """Write every plot into `out_dir`; returns plot name -> file name."""
    draw = {
        "cost": plot_cost,
        "splits": plot_splits,
        "over_time": plot_over_time,
        "map": plot_map,
    }
    for name, plot in draw.items():
        fig = plot(result)
        FigureCanvasAgg(fig)
        fig.savefig(out_dir / PLOT_FILES[name], dpi=DPI, metadata={"Software": None})
    return dict(PLOT_FILES)


def _names(result: ReplayResult) -> list[str]:
    return [s.run.name for s in result.strategies]


def _value(s: StrategyResult, key: str) -> float:
    v = s.kpis.get(key)
    return math.nan if v is None else float(v)


def plot_cost(result: ReplayResult) -> Figure:
    """Total cost per strategy, stacked by component, against the day's lower bound."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(result.strategies))
    bottom = np.zeros(len(x))
    for key, label in COST_PARTS:
        values = np.array([_value(s, key) for s in result.strategies])
        ax.bar(x, values, bottom=bottom, label=label)
        bottom += np.nan_to_num(values)
    if result.bound is not None:
        ax.axhline(result.bound.value, color="black", linestyle="--", label="lower bound")
    ax.set_xticks(x, _names(result))
    ax.set_ylabel("cost")
    ax.set_title("Total cost per strategy")
    ax.legend(fontsize="small")
    return fig


def plot_splits(result: ReplayResult) -> Figure:
    """Shipments per order and split rate per strategy."""
    fig = Figure(figsize=(8, 3.8), layout="constrained")
    names = _names(result)
    for i, (key, title) in enumerate(
        (("shipments_per_order", "Shipments per sourced order"), ("split_rate", "Split rate"))
    ):
        ax = fig.add_subplot(1, 2, i + 1)
        ax.bar(names, [_value(s, key) for s in result.strategies], color=f"C{i + 1}")
        ax.set_title(title)
        ax.tick_params(axis="x", labelrotation=30)
    return fig


def plot_over_time(result: ReplayResult) -> Figure:
    """Cost per order and fill rate of the orders arriving in each tick, per strategy."""
    fig = Figure(figsize=(9, 6), layout="constrained")
    clock = result.scenario.clock
    axes = [fig.add_subplot(2, 1, 1), fig.add_subplot(2, 1, 2)]
    for s in result.strategies:
        hours = s.series.start_s / 3600.0
        axes[0].plot(hours, s.series.cost_per_order, marker=".", label=s.run.name)
        axes[1].plot(hours, s.series.fill_rate, marker=".", label=s.run.name)
    for ax, title in zip(axes, ("Cost per order", "Fill rate"), strict=True):
        for event in result.scenario.events:
            ax.axvline(event.at_s / 3600.0, color="grey", linestyle=":", linewidth=1)
        ax.set_title(f"{title}, by arrival time")
        ticks = np.arange(0.0, clock.horizon_s / 3600.0 + 1e-9, 2.0)
        ax.set_xticks(ticks, [clock.label(t * 3600.0) for t in ticks])
    axes[0].legend(fontsize="small")
    axes[1].set_xlabel("simulated time (dotted lines: events)")
    return fig


def plot_map(result: ReplayResult) -> Figure:
    """Per strategy: nodes on their coordinates and the heaviest flows of units from a node to
    a destination region (line width by units)."""
    n = len(result.strategies)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(4.2 * cols, 4.4 * rows), layout="constrained")
    for i, s in enumerate(result.strategies):
        ax = fig.add_subplot(rows, cols, i + 1)
        _draw_map(ax, result, s)
    return fig


def _draw_map(ax: Any, result: ReplayResult, s: StrategyResult) -> None:
    nodes = result.day.problem.nodes
    cities = french_cities()
    ax.scatter(cities.lon, cities.lat, s=1, color="0.85")
    for src, lat, lon, width in _flows(result, s):
        ax.plot([nodes.lon[src], lon], [nodes.lat[src], lat], color="C0", alpha=0.45, lw=width)
    store = np.array([k == "store" for k in nodes.kind], dtype=np.bool_)
    ax.scatter(nodes.lon[store], nodes.lat[store], s=8, color="C2", label="store", zorder=3)
    ax.scatter(
        nodes.lon[~store],
        nodes.lat[~store],
        s=50,
        marker="s",
        color="C3",
        label="warehouse",
        zorder=3,
    )
    down = sorted({n for e in result.scenario.events if isinstance(e, Outage) for n in e.nodes})
    if down:
        ax.scatter(
            nodes.lon[down],
            nodes.lat[down],
            s=120,
            marker="x",
            color="black",
            label="outage",
            zorder=4,
        )
    ax.set_aspect(1.0 / math.cos(math.radians(float(np.mean(nodes.lat)))))
    ax.set_title(s.run.name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize="x-small", loc="lower left")


def _flows(result: ReplayResult, s: StrategyResult) -> list[tuple[int, float, float, float]]:
    """(source node, region's unit-weighted lat, lon, line width) of the heaviest flows."""
    a, o = s.run.allocations, result.day.problem.orders
    if not len(a):
        return []
    lat, lon = o.dest_lat[a.order], o.dest_lon[a.order]
    cell = np.floor(lat / REGION_DEG) * 10_000 + np.floor(lon / REGION_DEG)
    keys, inverse = np.unique(
        np.stack([a.node.astype(np.float64), cell]), axis=1, return_inverse=True
    )
    inverse = inverse.ravel()
    units = np.bincount(inverse, weights=a.qty)
    mean_lat = np.bincount(inverse, weights=a.qty * lat) / units
    mean_lon = np.bincount(inverse, weights=a.qty * lon) / units
    top = np.argsort(-units, kind="stable")[:MAP_FLOWS]
    heaviest = float(units[top[0]])
    return [
        (int(keys[0, k]), float(mean_lat[k]), float(mean_lon[k]), 0.3 + 4.0 * units[k] / heaviest)
        for k in top.tolist()
    ]
