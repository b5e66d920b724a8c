"""The simulated day: orders arrive in time order, events change the network, strategies decide.

State: system stock [sku, node], each node's daily capacity and the units it has taken, and
whether it is up. A node that is down ships nothing (its capacity left counts as 0) until it
recovers; a capacity change applies to the whole day, units already taken included. Events at a
time apply before the orders that arrive at that time.

Strategies come from the registry (`oms.sourcing.registry`), by their mode:
- Online-mode strategies decide each order at its arrival against what earlier orders left, as
  at checkout: the strategy's `source_range` runs over the orders between two events (`online`
  runs the numba stream kernel, microseconds per order; the baselines their per-order rules).
- Wave-mode strategies hold orders and release them every `period`: at each release, after the
  events up to it, the strategy's `solve` optimises the held orders jointly against the network
  as it is then, seeded with the online plan of the same wave (so the seed does not depend on
  timing).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from oms.domain.errors import ValidationError
from oms.replay.day import Day
from oms.replay.scenario_types import (
    Adjustment,
    CapacityChange,
    Event,
    Outage,
    Receipt,
    Recovery,
    ReturnsRateChange,
)
from oms.replay.stream import lift, order_range, problem_at
from oms.sourcing.contract import F64, I64, NO_LIMIT, Allocations, B, Problem
from oms.sourcing.forecast import DemandLines
from oms.sourcing.lookahead import prices_after
from oms.sourcing.online import source_online
from oms.sourcing.registry import (
    STRATEGY_NAMES,
    LookaheadStrategy,
    OnlineStrategy,
    WaveStrategy,
    get,
    unknown_strategies,
)

Progress = Callable[[int], None]


def parse_strategies(text: str) -> tuple[str, ...]:
    """Comma-separated strategy names, in the order given, each once."""
    names = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [n for n in names if n not in STRATEGY_NAMES]
    if unknown:
        raise ValidationError([f"--strategy: {unknown_strategies(unknown)}"])
    if not names:
        raise ValidationError([f"--strategy: none; valid strategies: {', '.join(STRATEGY_NAMES)}"])
    return names


@dataclass
class NetworkState:
    stock: I64  # [sku, node], the system's count
    capacity: I64  # [node], units per day (NO_LIMIT: none)
    used: I64  # [node], units taken so far today
    enabled: B  # [node]

    @staticmethod
    def initial(problem: Problem) -> NetworkState:
        n = len(problem.nodes)
        return NetworkState(
            stock=np.ascontiguousarray(problem.stock.copy()),
            capacity=problem.nodes.capacity.copy(),
            used=np.zeros(n, dtype=np.int64),
            enabled=np.ones(n, dtype=np.bool_),
        )

    def cap_left(self) -> I64:
        left = np.maximum(self.capacity - self.used, 0)
        return np.ascontiguousarray(np.where(self.enabled, left, 0), dtype=np.int64)

    def withheld(self) -> I64:
        """Units of each SKU at nodes that are down."""
        held: I64 = self.stock[:, ~self.enabled].sum(axis=1).astype(np.int64)
        return held

    def take(self, alloc: Allocations, line_sku: I64) -> None:
        np.subtract.at(self.stock, (line_sku[alloc.line], alloc.node), alloc.qty)
        self.used += np.bincount(alloc.node, weights=alloc.qty, minlength=len(self.used)).astype(
            np.int64
        )

    def apply(self, event: Event) -> None:
        match event:
            case Outage(nodes=nodes):
                self.enabled[list(nodes)] = False
            case Recovery(nodes=nodes):
                self.enabled[list(nodes)] = True
            case Receipt(node=node, sku=sku, qty=qty):
                self.stock[sku, node] += qty
            case Adjustment(node=node, sku=sku, delta=delta):
                self.stock[sku, node] = max(0, int(self.stock[sku, node]) + delta)
            case CapacityChange(nodes=nodes, capacity=capacity, factor=factor):
                for n in nodes:
                    self.capacity[n] = _new_capacity(int(self.capacity[n]), capacity, factor)
            case ReturnsRateChange():
                pass  # changes the returns drawn for later orders, not the network


def _new_capacity(current: int, units: int | None, factor: float | None) -> int:
    if factor is None:
        return NO_LIMIT if units is None else units
    return current if current >= NO_LIMIT else int(np.floor(current * factor))


@dataclass(frozen=True)
class StrategyRun:
    name: str
    allocations: Allocations  # in the day's order and line indices
    release_s: F64  # per order: when it was sourced and released to its nodes
    withheld: I64  # [events + 1, sku]: units at nodes that were down, after each event
    elapsed_s: float
    waves: int = 0
    waves_optimal: int = 0
    pricings: int = 0  # a look-ahead strategy's price solves


def run_strategy(
    day: Day,
    name: str,
    *,
    wave_period_s: float,
    wave_time_limit_s: float,
    progress: Progress,
    demand: Callable[[], DemandLines] | None = None,
    lookahead_period_s: float | None = None,
) -> StrategyRun:
    """One strategy over the day; `demand` gives the forecast a look-ahead strategy prices with
    (default: the scenario's own demand model, `forecasts.forecast_lines`), every
    `lookahead_period_s` (default: the strategy's own period)."""
    strategy = get(name)
    strategy.prepare()  # compile (or load) its kernels before the clock starts
    started = time.perf_counter()
    sim = _Simulation(day)
    if isinstance(strategy, WaveStrategy):
        waves, optimal = sim.run_waves(strategy, wave_period_s, wave_time_limit_s, progress)
        return sim.result(name, time.perf_counter() - started, waves, optimal)
    if isinstance(strategy, LookaheadStrategy):
        lines = demand() if demand is not None else _model_lines(day)
        period = lookahead_period_s or strategy.period_s
        pricings = sim.run_lookahead(strategy, lines, period, progress)
        return sim.result(name, time.perf_counter() - started, pricings=pricings)
    sim.run_online_type(strategy, progress)
    return sim.result(name, time.perf_counter() - started)


def _model_lines(day: Day) -> DemandLines:
    from oms.replay.forecasts import forecast_lines

    return forecast_lines(day)


class _Simulation:
    """One strategy's pass over the day."""

    def __init__(self, day: Day) -> None:
        self.day = day
        self.problem = day.problem
        self.state = NetworkState.initial(day.problem)
        self.events = day.scenario.events
        self.applied = 0
        self.withheld = [self.state.withheld()]
        self.pieces: list[Allocations] = []
        self.release = day.arrival_s.copy()

    def advance_to(self, t: float) -> None:
        """Apply every event at or before `t` not yet applied."""
        while self.applied < len(self.events) and self.events[self.applied].at_s <= t:
            self.state.apply(self.events[self.applied])
            self.withheld.append(self.state.withheld())
            self.applied += 1

    def result(
        self, name: str, elapsed: float, waves: int = 0, optimal: int = 0, pricings: int = 0
    ) -> StrategyRun:
        self.advance_to(np.inf)
        alloc = Allocations.concat(self.pieces)
        return StrategyRun(
            name, alloc, self.release, np.array(self.withheld), elapsed, waves, optimal, pricings
        )

    # ------------------------------------------------------------ online-type

    def run_online_type(self, strategy: OnlineStrategy, progress: Progress) -> None:
        arrival = self.day.arrival_s
        first = 0
        for event in self.events:
            end = int(np.searchsorted(arrival, event.at_s, side="left"))
            self._source_range(strategy, first, end, progress)
            first = end
            self.advance_to(event.at_s)
        self._source_range(strategy, first, len(arrival), progress)

    def _source_range(
        self, strategy: OnlineStrategy, first: int, end: int, progress: Progress
    ) -> None:
        if end <= first:
            return
        cap = self.state.cap_left()
        before = cap.copy()
        alloc = strategy.source_range(self.problem, self.state.stock, cap, first, end, progress)
        self.state.used += before - cap
        self.pieces.append(alloc)

    # ------------------------------------------------------------ look-ahead

    def run_lookahead(
        self, strategy: LookaheadStrategy, lines: DemandLines, period_s: float, progress: Progress
    ) -> int:
        """As online, each order against what earlier ones left, with each unit's cost raised by
        its opportunity cost for the demand still to come: re-priced every `period_s` and at
        every event. Returns the number of price solves."""
        arrival = self.day.arrival_s
        horizon = self.day.scenario.clock.horizon_s
        cuts = {*np.arange(0.0, horizon, period_s).tolist()}
        cuts |= {e.at_s for e in self.events if e.at_s < horizon}
        bounds = [*sorted(cuts), np.inf]
        pricings = 0
        for start, stop in itertools.pairwise(bounds):
            self.advance_to(start)
            first = int(np.searchsorted(arrival, start, side="left"))
            end = int(np.searchsorted(arrival, stop, side="left"))
            if end <= first:
                continue
            cap = self.state.cap_left()
            prices = prices_after(
                self.problem.nodes,
                self.problem.settings,
                self.state.stock,
                cap,
                self.state.enabled,
                lines,
                start,
            )
            pricings += 1
            before = cap.copy()
            alloc = strategy.source_range(
                self.problem, self.state.stock, cap, first, end, progress, prices.unit
            )
            self.state.used += before - cap
            self.pieces.append(alloc)
        return pricings

    # ------------------------------------------------------------ wave

    def run_waves(
        self, strategy: WaveStrategy, period_s: float, time_limit_s: float, progress: Progress
    ) -> tuple[int, int]:
        """Release held orders every `period_s` (and at the end of the day); returns the number of
        waves solved and how many of them were proven optimal."""
        arrival = self.day.arrival_s
        horizon = self.day.scenario.clock.horizon_s
        releases = [*np.arange(period_s, horizon, period_s).tolist(), horizon]
        first, waves, optimal = 0, 0, 0
        for r in releases:
            self.advance_to(r)
            end = len(arrival) if r >= horizon else int(np.searchsorted(arrival, r, side="left"))
            if end > first:
                optimal += self._solve_wave(strategy, first, end, time_limit_s)
                self.release[first:end] = r
                waves += 1
                progress(end - first)
            first = end
        return waves, optimal

    def _solve_wave(
        self, strategy: WaveStrategy, first: int, end: int, time_limit_s: float
    ) -> bool:
        sel = order_range(self.problem.orders, first, end)
        sub = problem_at(
            self.problem, sel.orders, stock=self.state.stock.copy(), capacity=self.state.cap_left()
        )
        seed = source_online(sub).allocations
        plan = strategy.solve(sub, time_limit_s, seed)
        alloc = lift(plan.allocations, sel)
        self.state.take(alloc, self.problem.orders.line_sku)
        self.pieces.append(alloc)
        return plan.status == "optimal"
