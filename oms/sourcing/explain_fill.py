"""The cheapest fill of a cart from a fixed set of nodes: a tiny min-cost max-flow.

Used by the explanation of a sourcing decision (explain.py) to price "what if the order had
been served by exactly these nodes". Units of each SKU go to the nodes of the set holding it,
each node within its capacity left; among the fills that place the most units, the one of least
unit cost (handling + price). Capacity couples the SKUs (a node short of capacity should carry
the SKU only it holds), so a per-unit greedy could report a capacity shortfall a better fill
avoids: successive shortest paths on a graph of a few SKUs and nodes give the exact answer.
Pure Python and numpy: the graphs have a handful of vertices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oms.sourcing.contract import F64, I64

_INF = float("inf")


@dataclass(frozen=True)
class Fill:
    """Units of each SKU [u] placed at each node of the set [u, k], and their unit cost."""

    units: I64  # [u, k]
    unit_cost: float


def cheapest_fill(demand: I64, have: I64, unit_cost: F64, cap: I64) -> Fill:
    """Place `demand` [u] units from `have` [u, k] (units usable at each node of the set) at
    `unit_cost` [u, k] per unit, at most `cap` [k] units per node: the most units, then the
    least cost (exact: successive shortest augmenting paths)."""
    wanted = np.nonzero(demand > 0)[0]  # a SKU no line wants is no vertex's
    n_u, n_k = len(wanted), have.shape[1]
    graph = _Graph(2 + n_u + n_k)
    src, sink = 0, 1 + n_u + n_k
    for a, u in enumerate(wanted.tolist()):
        graph.add(src, 1 + a, int(demand[u]), 0.0)
        for k in range(n_k):
            if have[u, k] > 0:
                graph.add(1 + a, 1 + n_u + k, int(have[u, k]), float(unit_cost[u, k]))
    for k in range(n_k):
        graph.add(1 + n_u + k, sink, int(min(cap[k], int(demand.sum()))), 0.0)
    graph.max_flow_min_cost(src, sink)
    units = np.zeros(have.shape, dtype=np.int64)
    for a, u in enumerate(wanted.tolist()):
        for e in graph.out[1 + a]:
            to, flow = graph.to[e], graph.flow[e]
            if flow > 0 and 1 + n_u <= to < sink:
                units[u, to - 1 - n_u] += flow
    return Fill(units, float(np.sum(units * unit_cost)))


class _Graph:
    """A residual graph: edge e and its reverse e ^ 1."""

    def __init__(self, n: int) -> None:
        self.out: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []
        self.cost: list[float] = []
        self.flow: list[int] = []

    def add(self, a: int, b: int, cap: int, cost: float) -> None:
        for x, y, c, w in ((a, b, cap, cost), (b, a, 0, -cost)):
            self.out[x].append(len(self.to))
            self.to.append(y)
            self.cap.append(c)
            self.cost.append(w)
            self.flow.append(0)

    def max_flow_min_cost(self, src: int, sink: int) -> None:
        """Augment along the cheapest path while one exists (Bellman-Ford: residual edges
        carry negative costs)."""
        while True:
            parent = self._cheapest_paths(src)
            if parent[sink] < 0:
                return
            path, bottleneck, v = [], None, sink
            while v != src:
                e = parent[v]
                path.append(e)
                room = self.cap[e] - self.flow[e]
                bottleneck = room if bottleneck is None else min(bottleneck, room)
                v = self.to[e ^ 1]
            for e in path:
                self.flow[e] += bottleneck or 0
                self.flow[e ^ 1] -= bottleneck or 0

    def _cheapest_paths(self, src: int) -> list[int]:
        """The edge into each vertex on a cheapest residual path from `src` (-1: unreached)."""
        n = len(self.out)
        dist, parent = [_INF] * n, [-1] * n
        dist[src] = 0.0
        for _ in range(n - 1):
            changed = False
            for v in range(n):
                if dist[v] == _INF:
                    continue
                for e in self.out[v]:
                    w = dist[v] + self.cost[e]
                    if self.cap[e] - self.flow[e] > 0 and w < dist[self.to[e]] - 1e-12:
                        dist[self.to[e]], parent[self.to[e]] = w, e
                        changed = True
            if not changed:
                break
        return parent
