"""A scenario made concrete for one seed: the day's orders, the shelf's truth and the returns.

Every random draw comes from `numpy.random.default_rng([seed, stream])`, one stream per purpose,
so that the same scenario and seed give the same day, and changing, say, the returns model does
not change the orders. Draws are made per order line before any strategy runs (common random
numbers): every strategy faces the same orders, shelves and customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oms.replay.demand import generate_orders
from oms.replay.scenario_types import Accuracy, OrderStream, Scenario
from oms.replay.stream import problem_at
from oms.sourcing.contract import F64, I64, B, Problem

DEMAND_STREAM, ACCURACY_STREAM, RETURNS_STREAM, SERVICE_STREAM = 1, 2, 3, 4


@dataclass(frozen=True)
class Day:
    scenario: Scenario
    seed: int
    problem: Problem  # the network at the start, with every order of the day in arrival order
    arrival_s: F64  # per order, seconds after the clock's start, ascending
    phantom: I64 | None  # [sku, node] units the system counts that are not on the shelf
    return_draw: F64  # per line, uniform in [0, 1): returned when below the returns rate
    store_draw: F64  # per line, uniform in [0, 1): brought back to a store when below its share
    express: B  # per order: the customer chose express (else standard, or click-and-collect)

    @property
    def n_orders(self) -> int:
        return len(self.problem.orders)


def build_day(scenario: Scenario, seed: int | None = None) -> Day:
    """The day of `scenario` for `seed` (default: the scenario's own)."""
    seed = scenario.seed if seed is None else seed
    if isinstance(scenario.demand, OrderStream):
        arrival, orders = scenario.demand.arrival_s, scenario.demand.orders
        express = scenario.demand.express
    else:
        rng = np.random.default_rng([seed, DEMAND_STREAM])
        arrival, orders = generate_orders(scenario.demand, scenario.network, scenario.clock, rng)
        share = scenario.demand.express_share
        express = None
        if share > 0:  # its own stream: the other draws stay as they were
            rng = np.random.default_rng([seed, SERVICE_STREAM])
            express = (rng.random(len(orders)) < share) & ~orders.is_pickup
    if express is None:
        express = np.zeros(len(orders), dtype=np.bool_)
    problem = problem_at(scenario.network, orders)
    phantom = None
    if scenario.accuracy is not None:
        rng = np.random.default_rng([seed, ACCURACY_STREAM])
        phantom = phantom_units(problem, scenario.accuracy, rng)
    rng = np.random.default_rng([seed, RETURNS_STREAM])
    n_lines = len(orders.line_qty)
    return Day(
        scenario,
        seed,
        problem,
        arrival,
        phantom,
        rng.random(n_lines),
        rng.random(n_lines),
        express,
    )


def phantom_units(problem: Problem, accuracy: Accuracy, rng: np.random.Generator) -> I64:
    """Per stock record (node, SKU) held at the start: 0 when its count is right (with the
    kind's accuracy share), else 1..max_missing units fewer on the shelf, at most what it holds."""
    kinds = problem.nodes.kind
    right = np.array([accuracy.by_kind.get(k, 1.0) for k in kinds], dtype=np.float64)
    held = problem.stock > 0
    wrong = held & (rng.random(problem.stock.shape) >= right[None, :])
    missing = rng.integers(1, accuracy.max_missing, size=problem.stock.shape, endpoint=True)
    out: I64 = np.where(wrong, np.minimum(missing, problem.stock), 0).astype(np.int64)
    return out
