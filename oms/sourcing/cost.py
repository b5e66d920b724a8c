"""The one cost function of the contract (DESIGN.md section 3), and its feasibility rules.

Everything that prices or checks a plan uses this module: the online sourcer and its kernels (which
compile `shipment_cost` and `is_eligible` as they are), the baseline strategies, the wave optimiser,
replay KPIs and the tests. The scalar rules use arithmetic that works alike on floats, numpy arrays
and inside numba, so there is one definition of each rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from oms.domain.geo import haversine_km
from oms.sourcing.contract import (
    I64,
    Allocations,
    CostBreakdown,
    Plan,
    Problem,
)


def shipment_cost(base: Any, per_km: Any, distance_km: Any, free: Any) -> Any:
    """Cost of one shipment; `free` (0/1 or bool) marks a pickup order's own pickup node."""
    return (base + per_km * distance_km) * (1.0 - free)


def split_cost(shipments: Any, split_penalty: Any) -> Any:
    """Penalty for an order's shipments beyond the first (per order; floats, arrays, numba)."""
    return split_penalty * np.maximum(shipments - 1, 0)


def unfilled_cost(units: Any, unfilled_penalty: Any) -> Any:
    """Penalty for units left unallocated."""
    return unfilled_penalty * units


def is_eligible(can_ship: Any, is_pickup: Any, is_pickup_node: Any, allow_transfers: Any) -> Any:
    """May this node serve this order? Ship orders: ship-capable nodes. Pickup orders: the pickup
    node itself, plus ship-capable nodes when transfers (ship-to-store) are allowed."""
    return (can_ship & ~is_pickup) | (is_pickup & (is_pickup_node | (can_ship & allow_transfers)))


def node_shipment_costs(problem: Problem, order: int) -> np.ndarray:
    """Shipment cost from every node to one order's destination."""
    n, o = problem.nodes, problem.orders
    dist = haversine_km(
        n.lat, n.lon, np.full(len(n), o.dest_lat[order]), np.full(len(n), o.dest_lon[order])
    )
    free = np.zeros(len(n))
    if o.is_pickup[order]:
        free[o.pickup_node[order]] = 1.0
    return shipment_cost(n.shipment_cost, n.cost_per_km, dist, free)  # type: ignore[no-any-return]


def eligible_nodes(problem: Problem, order: int) -> np.ndarray:
    n, o = problem.nodes, problem.orders
    is_pickup_node = np.arange(len(n)) == o.pickup_node[order]
    return is_eligible(  # type: ignore[no-any-return]
        n.can_ship,
        np.bool_(o.is_pickup[order]),
        is_pickup_node,
        np.bool_(problem.settings.allow_transfers),
    )


@dataclass(frozen=True)
class CostReport:
    cost: CostBreakdown
    unfilled_qty: I64  # per line
    shipments: I64  # per order


def evaluate(problem: Problem, alloc: Allocations) -> CostReport:
    """The contract's cost breakdown of a set of allocations."""
    n, o, s = problem.nodes, problem.orders, problem.settings
    used = alloc.qty > 0
    a_order, a_node, a_qty = alloc.order[used], alloc.node[used], alloc.qty[used]
    handling = float(np.sum(a_qty * n.handling_cost[a_node]))
    pairs = np.unique(a_order * max(len(n), 1) + a_node)
    s_order, s_node = pairs // max(len(n), 1), pairs % max(len(n), 1)
    dist = haversine_km(n.lat[s_node], n.lon[s_node], o.dest_lat[s_order], o.dest_lon[s_order])
    free = (o.is_pickup[s_order] & (o.pickup_node[s_order] == s_node)).astype(np.float64)
    shipping = float(
        np.sum(shipment_cost(n.shipment_cost[s_node], n.cost_per_km[s_node], dist, free))
    )
    shipments = np.bincount(s_order, minlength=len(o)).astype(np.int64)
    split = float(np.sum(split_cost(shipments, s.split_penalty)))
    allocated = np.bincount(alloc.line[used], weights=a_qty, minlength=len(o.line_qty))
    unfilled_qty = np.maximum(o.line_qty - allocated.astype(np.int64), 0)
    unfilled = float(unfilled_cost(np.sum(unfilled_qty), s.unfilled_penalty))
    total = shipping + handling + split + unfilled
    return CostReport(
        CostBreakdown(total, shipping, handling, split, unfilled), unfilled_qty, shipments
    )


def make_plan(
    problem: Problem,
    alloc: Allocations,
    *,
    status: str,
    mode: str,
    lower_bound: float | None = None,
    elapsed_s: float = 0.0,
    extra: dict[str, Any] | None = None,
) -> Plan:
    """A plan priced by the one cost function."""
    report = evaluate(problem, alloc)
    return Plan(
        allocations=alloc,
        cost=report.cost,
        unfilled_qty=report.unfilled_qty,
        shipments=report.shipments,
        status=status,
        mode=mode,
        lower_bound=lower_bound,
        elapsed_s=elapsed_s,
        extra=extra or {},
    )


def violations(problem: Problem, alloc: Allocations) -> list[str]:
    """Every way the allocations break the contract's constraints (empty when feasible)."""
    n, o = problem.nodes, problem.orders
    out: list[str] = []
    if np.any(alloc.qty <= 0):
        out.append("allocation quantities must be >= 1")
    if np.any(o.line_order[alloc.line] != alloc.order):
        out.append("an allocation names a line of another order")
    for k in np.nonzero(~_eligible_rows(problem, alloc))[0].tolist():
        out.append(f'node "{n.ids[alloc.node[k]]}" may not serve order "{o.ids[alloc.order[k]]}"')
    per_line = np.bincount(alloc.line, weights=alloc.qty, minlength=len(o.line_qty))
    for k in np.nonzero(per_line > o.line_qty)[0].tolist():
        out.append(f'line "{o.line_ids[k]}" gets {int(per_line[k])} units, ordered {o.line_qty[k]}')
    taken = np.zeros_like(problem.stock)
    np.add.at(taken, (o.line_sku[alloc.line], alloc.node), alloc.qty)
    for s_, nd in zip(*np.nonzero(taken > problem.stock), strict=True):
        out.append(
            f'node "{n.ids[nd]}" ships {taken[s_, nd]} of sku "{problem.sku_ids[s_]}", '
            f"holds {problem.stock[s_, nd]}"
        )
    load = np.bincount(alloc.node, weights=alloc.qty, minlength=len(n))
    for nd in np.nonzero(load > n.capacity)[0].tolist():
        out.append(f'node "{n.ids[nd]}" ships {int(load[nd])} units, capacity {n.capacity[nd]}')
    shipments = evaluate(problem, alloc).shipments
    for oi in np.nonzero(shipments > o.max_shipments)[0].tolist():
        out.append(f'order "{o.ids[oi]}" has {shipments[oi]} shipments, max {o.max_shipments[oi]}')
    return out


def _eligible_rows(problem: Problem, alloc: Allocations) -> np.ndarray:
    n, o = problem.nodes, problem.orders
    is_pickup = o.is_pickup[alloc.order]
    return is_eligible(  # type: ignore[no-any-return]
        n.can_ship[alloc.node],
        is_pickup,
        o.pickup_node[alloc.order] == alloc.node,
        np.bool_(problem.settings.allow_transfers),
    )
