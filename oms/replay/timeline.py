"""KPIs over simulated time: the day cut into ticks by order arrival, each priced on its own."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oms.replay.day import Day
from oms.replay.simulate import StrategyRun
from oms.replay.stream import order_range, problem_at, restrict
from oms.sourcing import cost
from oms.sourcing.contract import F64


@dataclass(frozen=True)
class Series:
    start_s: F64  # each tick's start, seconds after the clock's start
    orders: F64  # orders arriving in the tick
    cost_per_order: F64  # total cost of those orders (cost.evaluate) / their count; NaN: none
    fill_rate: F64  # their allocated units / their units; NaN: none


def kpis_over_time(day: Day, run: StrategyRun) -> Series:
    clock, o = day.scenario.clock, day.problem.orders
    starts = np.arange(0.0, clock.horizon_s, clock.tick_s)
    edges = np.searchsorted(day.arrival_s, [*starts.tolist(), clock.horizon_s], side="left")
    n = len(starts)
    count, per_order, fill = np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)
    for k in range(n):
        first, end = int(edges[k]), int(edges[k + 1])
        if end <= first:
            continue
        sub = problem_at(day.problem, order_range(o, first, end).orders)
        alloc = restrict(run.allocations, o, first, end)
        report = cost.evaluate(sub, alloc)
        count[k] = end - first
        per_order[k] = report.cost.total / (end - first)
        fill[k] = float(alloc.qty.sum()) / float(sub.orders.line_qty.sum())
    return Series(starts, count, per_order, fill)
