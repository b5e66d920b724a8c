"""Re-optimisation, step 2: the open orders' movable units as one contract problem, solved
jointly by the wave optimiser from their current plan.

The problem (DESIGN.md section 3), so that staying put is always feasible:
- nodes: the network; stock [sku, node] = ATP + the movable units held there (a disabled or
  closed node offers only those: its units may stay, none may arrive); capacity = capacity left
  + the movable units there; no limit on shipments (the service has none).
- one problem order per order, its lines the movable units per order line; a pickup order keeps
  its store (its destination is that store; its units there are not in the problem).
- a node whose promise for the order is later than the order's is closed to it (a closed window
  over its lines), unless the order already has units there.
- the current plan is the start: the result is never worse. Frozen shipments (picked, shipped,
  a pickup's units at its store) add the same split penalty before and after: `shift`.
- under the look-ahead policy, the price board's unit prices are added (`priced`): the search
  minimises cost + prices, its bound is on that objective, and the unfilled penalty is raised
  by the top price (prices steer, never unfill).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from oms.sourcing import cost
from oms.sourcing.contract import F64, NO_LIMIT, Allocations, Plan, Problem, Settings, parse_problem
from oms.sourcing.lookahead import steering_settings
from oms.sourcing.network import Network
from oms.sourcing.wave import solve_wave
from oms.sourcing.wave_side import LineWindows
from oms.stores.reoptimise_collect import OpenOrder

Cell = tuple[str, str]  # (order line, node)


@dataclass(frozen=True)
class Inputs:
    """What the problem is made of besides the orders: the network and today's stock."""

    network: Network
    atp: dict[tuple[str, str], int]  # (node, sku) -> ATP
    capacity_left: np.ndarray  # per network node
    prices: F64 | None  # [sku, node] in `price_skus` order, or None (online policy)
    price_skus: list[str]
    settings: Settings


@dataclass(frozen=True)
class Solved:
    problem: Problem
    current: Allocations
    plan: Plan
    shift: float  # split penalty of frozen shipments, the same before and after
    unit_price: F64 | None  # [problem sku, node]

    def objective(self, alloc: Allocations) -> float:
        """Cost (+ prices when priced) of a plan over these orders, frozen shipments included."""
        total = cost.evaluate(self.problem, alloc).cost.total + self.shift
        if self.unit_price is not None:
            sku = self.problem.orders.line_sku[alloc.line]
            total += float(self.unit_price[sku, alloc.node] @ alloc.qty)
        return total


def solve(orders: list[OpenOrder], inputs: Inputs, time_limit: float) -> Solved:
    """The orders' movable units re-planned jointly within ``time_limit`` seconds."""
    problem = parse_problem(_problem_dict(orders, inputs))
    current = _current(problem, orders)
    price = _unit_price(problem, inputs)
    plan = solve_wave(
        problem,
        time_limit,
        start=current,
        windows=_bans(problem, orders, disabled(inputs.network)),
        unit_price=price,
    )
    split = problem.settings.split_penalty
    shift = split * sum(o.frozen_shipments for o in orders)
    return Solved(problem, current, plan, shift, price)


def targets(solved: Solved, order: int) -> dict[Cell, int]:
    """Units per (line, node) the plan gives problem order ``order``."""
    return _cells(solved.problem, solved.plan.allocations, order)


def now_cells(solved: Solved, order: int) -> dict[Cell, int]:
    """Units per (line, node) the order holds now."""
    return _cells(solved.problem, solved.current, order)


def _cells(problem: Problem, alloc: Allocations, order: int) -> dict[Cell, int]:
    out: dict[Cell, int] = {}
    ids, nodes = problem.orders.line_ids, problem.nodes.ids
    for k in np.flatnonzero(alloc.order == order):
        key = (ids[int(alloc.line[k])], nodes[int(alloc.node[k])])
        out[key] = out.get(key, 0) + int(alloc.qty[k])
    return out


def _problem_dict(orders: list[OpenOrder], inputs: Inputs) -> dict[str, Any]:
    network = inputs.network
    movable: dict[tuple[str, str], int] = {}
    at_node: dict[str, int] = {}
    for o in orders:
        for h in o.held:
            movable[(h.node, h.sku)] = movable.get((h.node, h.sku), 0) + h.qty
            at_node[h.node] = at_node.get(h.node, 0) + h.qty
    stock = dict(movable)
    for (node, sku), atp in inputs.atp.items():
        info = network.nodes[network.index[node]] if node in network.index else None
        if info is not None and info.enabled and atp > 0:
            stock[(node, sku)] = stock.get((node, sku), 0) + atp
    s = inputs.settings
    return {
        "version": 1,
        "settings": {
            "split_penalty": s.split_penalty,
            "unfilled_penalty": s.unfilled_penalty,
            "allow_transfers": s.allow_transfers,
        },
        "nodes": [
            _node(n, int(left), at_node)
            for n, left in zip(network.nodes, inputs.capacity_left, strict=True)
        ],
        "inventory": [
            {"node": n, "sku": k, "qty": q} for (n, k), q in sorted(stock.items()) if q > 0
        ],
        "orders": [_order(o) for o in orders],
    }


def _node(n: Any, left: int, at_node: dict[str, int]) -> dict[str, Any]:
    unlimited = n.capacity_units is None or left >= NO_LIMIT // 2
    return {
        "id": n.id,
        "kind": n.kind,
        "lat": n.lat,
        "lon": n.lon,
        "can_ship": n.can_ship,
        "can_pickup": n.can_pickup,
        "capacity_units": None if unlimited else left + at_node.get(n.id, 0),
        "handling_cost": n.handling_cost,
        "shipment_cost": n.shipment_cost,
        "cost_per_km": n.cost_per_km,
    }


def _order(o: OpenOrder) -> dict[str, Any]:
    lines: dict[str, list[Any]] = {}
    for h in o.held:
        line = lines.setdefault(h.line, [h.sku, 0])
        line[1] += h.qty
    return {
        "id": o.id,
        "lat": o.lat,
        "lon": o.lon,
        "delivery": "pickup" if o.pickup_node else "ship",
        "pickup_node": o.pickup_node,
        "max_shipments": None,
        "lines": [{"id": k, "sku": v[0], "qty": v[1]} for k, v in sorted(lines.items())],
    }


def _current(problem: Problem, orders: list[OpenOrder]) -> Allocations:
    o = problem.orders
    line_index = {lid: i for i, lid in enumerate(o.line_ids)}
    rows = [
        (
            int(o.line_order[line_index[h.line]]),
            line_index[h.line],
            problem.nodes.index[h.node],
            h.qty,
        )
        for order in orders
        for h in order.held
    ]
    return Allocations.from_rows(rows) if rows else Allocations.empty()


def fitting(
    orders: list[OpenOrder], network: Network
) -> tuple[list[OpenOrder], list[tuple[str, str]]]:
    """The orders whose current plan the contract allows (units at nodes that ship; a pickup's
    store takes pickups), and the others, skipped as ``ineligible`` (a node's flags changed
    since they were placed): staying put must be feasible, or the problem is not theirs."""
    nodes = {n.id: n for n in network.nodes}

    def fits(o: OpenOrder) -> bool:
        store = nodes.get(o.pickup_node) if o.pickup_node else None
        if o.pickup_node and (store is None or not store.can_pickup):
            return False
        return all(h.node in nodes and nodes[h.node].can_ship for h in o.held)

    return [o for o in orders if fits(o)], [(o.id, "ineligible") for o in orders if not fits(o)]


def disabled(network: Network) -> set[str]:
    """Nodes that take no new units (disabled, or closed for orders)."""
    return {n.id for n in network.nodes if not n.enabled}


def _bans(problem: Problem, orders: list[OpenOrder], off: set[str]) -> LineWindows:
    """Closed windows: each order's lines at each node it may not use: later than its promise,
    or disabled (never a node it uses: its units may stay)."""
    start = problem.orders.line_start
    node, lo, hi = [], [], []
    for i, order in enumerate(orders):
        using = {h.node for h in order.held}
        for n in sorted((order.banned | off) - using):
            if n in problem.nodes.index:
                node.append(problem.nodes.index[n])
                lo.append(int(start[i]))
                hi.append(int(start[i + 1]))
    arr = [np.array(x, dtype=np.int64) for x in (node, lo, hi)]
    return LineWindows.closing(*arr)


def _unit_price(problem: Problem, inputs: Inputs) -> F64 | None:
    """The board's prices in the problem's [sku, node] order, or None."""
    if inputs.prices is None:
        return None
    row = {s: k for k, s in enumerate(inputs.price_skus)}
    out = np.zeros(problem.stock.shape, dtype=np.float64)
    for k, sku in enumerate(problem.sku_ids):
        if sku in row:
            out[k] = inputs.prices[row[sku]]
    return out if out.any() else None


def settings_for(base: Settings, prices: F64 | None) -> Settings:
    """The contract settings, with the unfilled penalty raised by the top price when priced."""
    return base if prices is None else steering_settings(base, prices)
