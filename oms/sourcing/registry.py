"""The one registry of sourcing strategies: every policy the engine can plan with, by name.

Everything that names a strategy derives from `STRATEGIES`: the choices of `oms source
--strategy`, the default, help and validation of `oms replay --strategy`, the replay's simulation
(`oms.replay.simulate`) and the wave optimiser's seeds (`wave.py`). The README's table of
strategies and scenarios/README.md name the same ones (a unit test checks).

Each strategy decides in one mode:
- online: orders one at a time in arrival (file) order, each against the stock and capacity
  earlier orders left, as at checkout. It supplies `source_range`, which sources a range of
  orders against the arrays it is given and takes their units off them: `oms source` calls it
  once over the whole file, the replay between events.
- online with look-ahead (`LookaheadStrategy`): as online, but each unit's cost is raised by its
  opportunity cost for the demand still to come (`lookahead.py`), re-priced every `period_s`
  of the day's time by whoever runs it (the replay from the scenario's demand, the service from
  its order history). It supplies `source_range` with the prices as a last argument.
- wave: orders held and optimised jointly. It supplies `solve` (a problem, a time limit, an
  optional start plan): `oms source` calls it once over the whole file, the replay at each
  release of held orders.
Our optimiser is three entries, `online`, `lookahead` and `wave`; the baselines
(`strategies.py`) are online.
A new policy is one entry here (and a row in the README's table).

This module imports no numba or OR-Tools: the engines are imported when a strategy runs, so
`oms --help` stays quick.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import ClassVar

from oms.domain.errors import ValidationError
from oms.sourcing import cost, strategies
from oms.sourcing.contract import F64, I64, Allocations, Plan, Problem
from oms.sourcing.strategies import OrderSourcer

Progress = Callable[[int], None]
# (problem, stock [sku, node], capacity left [node], first, end, progress): orders first..end-1
# in turn, each against what earlier ones left; their units are taken off both arrays.
RangeSourcer = Callable[[Problem, I64, I64, int, int, Progress | None], Allocations]
# As RangeSourcer, with each unit's cost raised by its price [sku, node] (the last argument).
PricedRangeSourcer = Callable[[Problem, I64, I64, int, int, Progress | None, F64], Allocations]
# (problem, time limit in seconds, start plan or None): all of the problem's orders jointly.
WaveSolver = Callable[[Problem, float, Allocations | None], Plan]


class Mode(StrEnum):
    online = "online"  # orders one at a time, in arrival order
    wave = "wave"  # orders jointly


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class OnlineStrategy:
    """A policy that decides each order at its arrival."""

    name: str
    description: str  # one line: `oms source --help`, the README's table
    source_range: RangeSourcer
    per_order: OrderSourcer | None = None  # a baseline's rule, one order at a time
    prepare: Callable[[], None] = _nothing  # before the clock starts (compiles kernels)
    mode: ClassVar[Mode] = Mode.online

    def plan(
        self, problem: Problem, *, time_limit: float = 30.0, progress: Progress | None = None
    ) -> Plan:
        """Every order of `problem` in file order; `progress` is told how many are done (the
        time limit is a wave strategy's)."""
        self.prepare()
        started = time.perf_counter()
        stock, capacity = problem.stock.copy(), problem.nodes.capacity.copy()
        alloc = self.source_range(problem, stock, capacity, 0, len(problem.orders), progress)
        return cost.make_plan(
            problem,
            alloc,
            status="heuristic",
            mode=self.mode.value,
            elapsed_s=time.perf_counter() - started,
            extra={"strategy": self.name},
        )


@dataclass(frozen=True)
class WaveStrategy:
    """A policy that optimises held orders jointly."""

    name: str
    description: str
    solve: WaveSolver
    prepare: Callable[[], None] = _nothing
    mode: ClassVar[Mode] = Mode.wave

    def plan(
        self, problem: Problem, *, time_limit: float = 30.0, progress: Progress | None = None
    ) -> Plan:
        """Every order of `problem` jointly, within `time_limit` seconds (wall time)."""
        self.prepare()
        return self.solve(problem, time_limit, None)


@dataclass(frozen=True)
class LookaheadStrategy:
    """A policy that decides each order at its arrival, with every unit's cost raised by its
    opportunity cost for the demand still to come (`lookahead.py`), re-priced every `period_s`
    seconds of the day (and after every event that changes the network)."""

    name: str
    description: str
    source_range: PricedRangeSourcer
    period_s: float
    prepare: Callable[[], None] = _nothing
    mode: ClassVar[Mode] = Mode.online

    def plan(
        self, problem: Problem, *, time_limit: float = 30.0, progress: Progress | None = None
    ) -> Plan:
        """Every order of `problem` in file order. A problem file has no clock, so the order's
        position stands for its time and the demand still to come is the file's own later
        orders (perfect aggregate foresight), re-priced PLAN_PRICINGS times over the file."""
        from oms.sourcing.lookahead import plan_static

        self.prepare()
        return plan_static(problem, self.source_range, self.name, progress)


Strategy = OnlineStrategy | LookaheadStrategy | WaveStrategy


# ---------------------------------------------------------------- the engines, imported late


def _warm_up() -> None:
    from oms.sourcing.online import warm_up

    warm_up()


def _online_range(
    problem: Problem, stock: I64, cap_left: I64, first: int, end: int, progress: Progress | None
) -> Allocations:
    from oms.sourcing.arrays import NetworkArrays
    from oms.sourcing.online import source_stream

    net = NetworkArrays.from_nodes(problem.nodes)
    alloc, _ = source_stream(
        net,
        problem.settings,
        problem.orders,
        stock,
        cap_left,
        first=first,
        end=end,
        progress=progress,
    )
    return alloc


def _priced_range(
    problem: Problem,
    stock: I64,
    cap_left: I64,
    first: int,
    end: int,
    progress: Progress | None,
    unit_price: F64,
) -> Allocations:
    from oms.sourcing.arrays import NetworkArrays
    from oms.sourcing.lookahead import steering_settings
    from oms.sourcing.online import source_stream

    net = NetworkArrays.from_nodes(problem.nodes)
    alloc, _ = source_stream(
        net,
        steering_settings(problem.settings, unit_price),
        problem.orders,
        stock,
        cap_left,
        first=first,
        end=end,
        progress=progress,
        unit_price=unit_price,
    )
    return alloc


def _solve_wave(problem: Problem, time_limit: float, start: Allocations | None) -> Plan:
    from oms.sourcing.wave import solve_wave

    return solve_wave(problem, time_limit, start=start)


def _baseline(name: str, description: str, rule: OrderSourcer) -> OnlineStrategy:
    source_range = functools.partial(strategies.source_orders, rule)
    return OnlineStrategy(name, description, source_range, per_order=rule)


# ---------------------------------------------------------------- the registry

_ALL: tuple[Strategy, ...] = (
    OnlineStrategy(
        "online",
        "our optimiser, each order at arrival: its minimum-cost nodes, exactly",
        _online_range,
        prepare=_warm_up,
    ),
    LookaheadStrategy(
        "lookahead",
        "our optimiser, each order at arrival, its units priced for the demand still to come",
        _priced_range,
        period_s=60 * 60.0,
        prepare=_warm_up,
    ),
    WaveStrategy(
        "wave",
        "our optimiser, orders held and optimised jointly, with a proven lower bound",
        _solve_wave,
        prepare=_warm_up,  # its default seed is the online plan
    ),
    _baseline(
        "nearest",
        "baseline: each line from the nearest eligible node with stock, then the next",
        strategies.BASELINE_RULES["nearest"],
    ),
    _baseline(
        "priority",
        "baseline: each line from the eligible nodes in the problem's node order",
        strategies.BASELINE_RULES["priority"],
    ),
    _baseline(
        "fewest-splits",
        "baseline: the fewest nodes that cover the whole order, then the nearest",
        strategies.BASELINE_RULES["fewest-splits"],
    ),
)

STRATEGIES: Mapping[str, Strategy] = MappingProxyType({s.name: s for s in _ALL})
STRATEGY_NAMES: tuple[str, ...] = tuple(STRATEGIES)
# The baselines' per-order rules, by name (the wave optimiser seeds with them; tests call them).
BASELINES: Mapping[str, OrderSourcer] = MappingProxyType(
    {s.name: s.per_order for s in _ALL if isinstance(s, OnlineStrategy) and s.per_order}
)


def unknown_strategies(names: Iterable[str]) -> str:
    """The message that refuses `names`, listing the valid ones."""
    listed = ", ".join(repr(n) for n in names)
    return f"unknown strategy {listed}; valid strategies: {', '.join(STRATEGY_NAMES)}"


def get(name: str) -> Strategy:
    """The strategy called `name`; an unknown name is a ValidationError listing the valid ones."""
    strategy = STRATEGIES.get(name)
    if strategy is None:
        raise ValidationError([unknown_strategies([name])])
    return strategy


def of_mode(mode: Mode) -> tuple[Strategy, ...]:
    """The strategies that decide in `mode`, in registry order."""
    return tuple(s for s in _ALL if s.mode is mode)


def plan_with(
    problem: Problem, name: str, *, time_limit: float = 30.0, progress: Progress | None = None
) -> Plan:
    """The plan of strategy `name` over a whole problem (`Strategy.plan`)."""
    return get(name).plan(problem, time_limit=time_limit, progress=progress)
