"""The cheapest fill of a cart from a fixed set of nodes: a min-cost max-flow on a few nodes.

Used by the explanation of a sourcing decision (explain.py) to price "what if the order had
been served by exactly these nodes". Units of each SKU go to the nodes of the set holding it,
each node within its capacity left; among the fills that place the most units, the one of least
unit cost (handling + price). When capacity does not bind, each SKU at its cheapest nodes is
that fill. When it binds, the SKUs are coupled (a node short of capacity should carry the SKU
only it holds), so a per-unit greedy could report a shortfall a better fill avoids: successive
shortest augmenting paths give the exact answer. A set has at most a few nodes, so every path
is computed on the nodes alone: from the source into node k through a SKU with units left, or
from node k' to node k by moving units of one SKU from k' to k (cost c[u, k] - c[u, k']).
Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oms.sourcing.contract import F64, I64

_INF = float("inf")
_EPS = 1e-12


@dataclass(frozen=True)
class Fill:
    """Units of each SKU placed at each node of the set [u, k], and their unit cost."""

    units: I64  # [u, k]
    unit_cost: float


def cheapest_fill(demand: I64, have: I64, unit_cost: F64, cap: I64) -> Fill:
    """Place `demand` [u] units from `have` [u, k] (units usable at each node of the set) at
    `unit_cost` [u, k] per unit, at most `cap` [k] units per node: the most units, then the
    least cost."""
    greedy = _each_sku_at_its_cheapest(demand, have, unit_cost)
    if np.all(greedy.sum(axis=0) <= cap):
        # Capacity does not bind: the fill without it is feasible, hence the cheapest (the
        # common case: a few units per order, nodes with room for them).
        return Fill(greedy, float(np.sum(greedy * unit_cost)))
    flow = _Flow(demand, have, unit_cost, cap)
    while flow.augment():
        pass
    return Fill(flow.units, float(np.sum(flow.units * unit_cost)))


def _each_sku_at_its_cheapest(demand: I64, have: I64, unit_cost: F64) -> I64:
    """Each SKU's units at the nodes of least unit cost first, as far as they hold it."""
    units = np.zeros(have.shape, dtype=np.int64)
    for u in np.nonzero(demand > 0)[0].tolist():
        left = int(demand[u])
        for k in np.argsort(unit_cost[u], kind="stable").tolist():
            take = min(left, int(have[u, k]))
            units[u, k], left = take, left - take
            if not left:
                break
    return units


class _Flow:
    """Units placed so far [u, k], and what is left: demand per SKU, capacity per node."""

    def __init__(self, demand: I64, have: I64, cost: F64, cap: I64) -> None:
        self.units = np.zeros(have.shape, dtype=np.int64)
        self.demand_left = demand.astype(np.int64).copy()
        self.have = have.astype(np.int64)
        self.cost = cost
        self.cap_left = np.minimum(cap, int(demand.sum())).astype(np.int64)

    def augment(self) -> bool:
        """Move units along a cheapest path from the source to a node with capacity left;
        False when there is none (the flow is maximal, and of least cost)."""
        path = self._cheapest_path()
        if path is None:
            return False
        first, steps, _ = path
        u0, k0 = first
        room = self.have - self.units
        amount = min(int(self.demand_left[u0]), int(room[u0, k0]))
        for u, k_from, k_to in steps:
            amount = min(amount, int(self.units[u, k_from]), int(room[u, k_to]))
        last = steps[-1][2] if steps else k0
        amount = min(amount, int(self.cap_left[last]))
        self.demand_left[u0] -= amount
        self.units[u0, k0] += amount
        for u, k_from, k_to in steps:
            self.units[u, k_from] -= amount
            self.units[u, k_to] += amount
        self.cap_left[last] -= amount
        return True

    def _cheapest_path(
        self,
    ) -> tuple[tuple[int, int], list[tuple[int, int, int]], float] | None:
        """(SKU and node entered from the source, then (SKU moved, from node, to node) steps,
        path cost), ending at a node with capacity left; None when no node can be reached."""
        room = self.have - self.units
        n_k = room.shape[1]
        entering = np.where((self.demand_left > 0)[:, None] & (room > 0), self.cost, _INF)
        dist = entering.min(axis=0)
        sku_in = entering.argmin(axis=0)
        pred, moved = [-1] * n_k, [-1] * n_k
        move, move_sku = self._moves(room)
        for _ in range(n_k):  # Bellman-Ford on the nodes (residual moves may cost < 0)
            changed = False
            for a in range(n_k):
                for b in range(n_k):
                    w = dist[a] + move[a, b]
                    if w < dist[b] - _EPS:
                        dist[b], pred[b], moved[b], changed = w, a, int(move_sku[a, b]), True
            if not changed:
                break
        open_dist = np.where(self.cap_left > 0, dist, _INF)
        end = int(open_dist.argmin())
        if open_dist[end] == _INF:
            return None
        steps, k = [], end
        while pred[k] >= 0:
            steps.append((moved[k], pred[k], k))
            k = pred[k]
        return (int(sku_in[k]), k), steps[::-1], float(open_dist[end])

    def _moves(self, room: I64) -> tuple[F64, I64]:
        """Cheapest cost of moving a unit of some SKU from node a to node b [a, b] (inf when
        none can move), and that SKU."""
        n_k = room.shape[1]
        move = np.full((n_k, n_k), _INF)
        sku = np.zeros((n_k, n_k), dtype=np.int64)
        for a in range(n_k):
            for b in range(n_k):
                if a == b:
                    continue
                can = (self.units[:, a] > 0) & (room[:, b] > 0)
                if can.any():
                    delta = np.where(can, self.cost[:, b] - self.cost[:, a], _INF)
                    sku[a, b] = int(delta.argmin())
                    move[a, b] = float(delta[sku[a, b]])
        return move, sku
