"""Naive pure-Python references the kernels must match, and an exhaustive one-order optimum.

Written from the contract's words, not from the kernels' code, with `math` and plain loops.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import numpy as np

from oms.sourcing.contract import Allocations, Problem
from oms.sourcing.cost import evaluate


def ref_haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def ref_eligible(
    can_ship: bool, enabled: bool, is_pickup: bool, node: int, pickup_node: int, transfers: bool
) -> bool:
    if not enabled:
        return False
    if not is_pickup:
        return can_ship
    if node == pickup_node:
        return True
    return transfers and can_ship


def ref_merge_lines(skus: list[int], qtys: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for s, q in zip(skus, qtys, strict=True):
        out[s] = out.get(s, 0) + q
    return out


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to write `total` as an ordered sum of `parts` non-negative integers."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def brute_force_order(
    problem: Problem,
    order: int,
    stock: np.ndarray | None = None,
    capacity: np.ndarray | None = None,
) -> tuple[float, list[tuple[int, int, int]]]:
    """Exhaustive optimum of one order: every split of every line over every node (and unfilled),
    kept when feasible under the contract and priced by the one cost function.

    Only for tiny orders. Returns (cost, rows of (global line, node, qty))."""
    stock = problem.stock if stock is None else stock
    capacity = problem.nodes.capacity if capacity is None else capacity
    lines = list(problem.orders.lines_of(order))
    n_nodes = len(problem.nodes)
    best: tuple[float, list[tuple[int, int, int]]] = (math.inf, [])
    choices = [list(_compositions(int(problem.orders.line_qty[k]), n_nodes + 1)) for k in lines]
    for combo in itertools.product(*choices):
        rows = [
            (k, n, q)
            for k, split in zip(lines, combo, strict=True)
            for n, q in enumerate(split[:n_nodes])
            if q > 0
        ]
        alloc = Allocations.from_rows([(order, k, n, q) for k, n, q in rows])
        if not _fits(problem, alloc, stock, capacity):
            continue
        cost = order_cost(problem, order, alloc)
        if cost < best[0] - 1e-9:
            best = (cost, rows)
    return best


def _fits(problem: Problem, alloc: Allocations, stock: np.ndarray, capacity: np.ndarray) -> bool:
    """Contract constraints in plain loops (the result is checked again with `violations`)."""
    o, nd, st = problem.orders, problem.nodes, problem.settings
    taken: dict[tuple[int, int], int] = {}
    load: dict[int, int] = {}
    for oi, k, n, q in zip(
        *(a.tolist() for a in (alloc.order, alloc.line, alloc.node, alloc.qty)), strict=True
    ):
        pickup = bool(o.is_pickup[oi])
        if not ref_eligible(
            bool(nd.can_ship[n]), True, pickup, n, int(o.pickup_node[oi]), st.allow_transfers
        ):
            return False
        key = (int(o.line_sku[k]), n)
        taken[key] = taken.get(key, 0) + q
        load[n] = load.get(n, 0) + q
        if taken[key] > stock[key] or load[n] > capacity[n]:
            return False
    return len(load) <= min(o.max_shipments[alloc.order].tolist() or [1])


def order_cost(problem: Problem, order: int, alloc: Allocations) -> float:
    """The order's share of the contract's total: the plan's total minus other orders' unfilled."""
    o, s = problem.orders, problem.settings
    others = sum(int(o.line_qty[k]) for k in range(len(o.line_qty)) if o.line_order[k] != order)
    return evaluate(problem, alloc).cost.total - s.unfilled_penalty * others
