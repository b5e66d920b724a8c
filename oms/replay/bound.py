"""A proven lower bound on the cost of any replay of the day: the yardstick of every strategy.

What it covers: the whole day's orders solved jointly, as if every order were known at the start,
every unit ever in stock (the start's stock plus every receipt) were there from the start, each
node had its highest capacity of the day, and no node were ever down. Every strategy's plan is
feasible for that relaxed problem (a strategy can only do less: later stock, lower capacity, nodes
down), so the bound of the relaxed problem bounds every strategy's cost, and a strategy's gap to
it bounds its distance to the best any strategy could do. Outages, late receipts and capacity cuts
make the bound looser, never wrong.

The bound is the wave optimiser's LP (Lagrangian) bound, computed to convergence
(`wave.lp_bound`): deterministic, so reports stay reproducible.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from oms.replay.day import Day
from oms.replay.scenario_types import Adjustment, CapacityChange, Receipt
from oms.replay.simulate import NetworkState
from oms.replay.stream import problem_at
from oms.sourcing.contract import Problem
from oms.sourcing.wave import lp_bound

COVERS = (
    "all orders of the day solved jointly, with every unit ever in stock available from the "
    "start, each node at its highest capacity of the day and no outage"
)


@dataclass(frozen=True)
class Bound:
    value: float
    converged: bool  # False: the time limit stopped it (still a valid, looser bound)
    elapsed_s: float
    covers: str = COVERS


def relaxed_problem(day: Day) -> Problem:
    """The day's orders on the most generous network the day ever offers."""
    state = NetworkState.initial(day.problem)
    highest = state.capacity.copy()
    stock = state.stock
    for event in day.scenario.events:
        if isinstance(event, Receipt):
            stock[event.sku, event.node] += event.qty
        elif isinstance(event, Adjustment) and event.delta > 0:  # a fall only takes stock away
            stock[event.sku, event.node] += event.delta
        elif isinstance(event, CapacityChange):
            state.apply(event)
            highest = np.maximum(highest, state.capacity)
    return problem_at(day.problem, day.problem.orders, stock=stock, capacity=highest)


def day_bound(day: Day, time_limit_s: float) -> Bound:
    started = time.perf_counter()
    result = lp_bound(relaxed_problem(day), time_limit_s)
    return Bound(result.value, result.converged, time.perf_counter() - started)
