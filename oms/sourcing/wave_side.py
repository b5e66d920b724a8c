"""Side rows for the wave model: rules over windows of lines, such as the hindsight optimum's time.

The contract's problem (DESIGN.md section 3) has one stock row per (SKU, node) and one capacity
row per node. A caller that knows more about its lines (the replay's hindsight optimum: lines are
in order of arrival, and stock, capacity and nodes change over the day) adds, as `LineWindows`:
- closed windows: node n serves no line in [lo, hi) (a node in outage);
- prefix rows: the units of lines < hi at node n (of one SKU, or of every SKU) <= rhs (stock
  before a receipt; capacity that only ever grew);
- gates: at node n, either lines in [lo, hi) take nothing, or lines < hi take at most `cap` units
  in all (the simulator's capacity after a cut: what is left, and nothing when the cut went below
  what was already taken). A gate is a binary z with two rows,
      x(lo..hi) - M z <= 0      and      x(0..hi) + M' z <= cap + M',
  with M = min(cap, what lines lo..hi could take) and M' = max(0, A - cap), A being the most lines
  < lo can take: what they could take (the pairs' upper bounds) and at most `highest`, the caller's
  promise (other rows enforce it: the highest capacity before the cut). With these constants the
  LP relaxation of one gate is the convex hull of its two cases (x(lo..hi) <= cap - cap/A *
  x(0..lo)), so the bound does not lose the cut.
`attach` turns them into `SideRows` over the model's pairs (coefficient 1 on every pair of a row,
`gate_coef` on the row's gate). The wave search dualises side rows like stock rows in its
Lagrangian bound, and its models carry them, so plans, bounds and proofs all honour them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from oms.sourcing.contract import F64, I64, B

ANY_SKU = -1
_E = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class LineWindows:
    """Rules over windows of line indices (see the module docstring); all arrays align per rule."""

    closed_node: I64
    closed_lo: I64
    closed_hi: I64
    row_node: I64
    row_sku: I64  # ANY_SKU: every SKU
    row_hi: I64
    row_rhs: I64
    gate_node: I64
    gate_lo: I64
    gate_hi: I64
    gate_cap: I64
    gate_highest: I64  # units lines < lo can take at most (other rows see to it)

    def open_pairs(self, pair_line: I64, pair_node: I64) -> B:
        """Which (line, node) pairs no closed window forbids.

        Vectorised, so that thousands of windows (one per order and banned node, as the
        re-optimisation of open orders makes) cost little: per node, the windows sorted by `lo`;
        a line is closed when the largest `hi` among the windows starting at or before it lies
        beyond it (a running maximum)."""
        ok = np.ones(len(pair_line), dtype=np.bool_)
        for node in np.unique(self.closed_node):
            at = self.closed_node == node
            order = np.argsort(self.closed_lo[at], kind="stable")
            lo, hi = self.closed_lo[at][order], np.maximum.accumulate(self.closed_hi[at][order])
            mine = np.flatnonzero(pair_node == node)
            last = np.searchsorted(lo, pair_line[mine], side="right") - 1
            covered = (last >= 0) & (hi[np.maximum(last, 0)] > pair_line[mine])
            ok[mine[covered]] = False
        return ok

    @staticmethod
    def closing(node: I64, lo: I64, hi: I64) -> LineWindows:
        """Only closed windows: node[i] serves no line in [lo[i], hi[i])."""
        return LineWindows(node, lo, hi, *([_E] * 9))


@dataclass(frozen=True)
class SideRows:
    """Rows `sum of x over the row's pairs + gate_coef * z[gate] <= rhs` (gate -1: none)."""

    pair: I64  # (pair, row) membership, coefficient 1
    row: I64
    rhs: F64  # per row
    gate: I64  # per row
    gate_coef: F64  # per row
    n_gates: int

    @staticmethod
    def empty() -> SideRows:
        return SideRows(_E, _E, np.zeros(0), _E, np.zeros(0), 0)

    @property
    def n_rows(self) -> int:
        return len(self.rhs)

    def loads(self, qty: I64 | F64) -> F64:
        """Per row: the units of `qty` (per pair) it counts."""
        out = np.bincount(self.row, weights=qty[self.pair], minlength=self.n_rows)
        return np.asarray(out, dtype=np.float64)

    def gate_values(self, qty: I64) -> F64:
        """Per gate: 1 when the plan fits every row of the gate with the gate open, else 0."""
        load = self.loads(qty)
        gated = self.gate >= 0
        bad_open = gated & (load + self.gate_coef > self.rhs + 1e-9)
        bad = np.bincount(self.gate[gated], weights=bad_open[gated], minlength=self.n_gates)
        return np.asarray(bad == 0, dtype=np.float64)

    def broken(self, qty: I64) -> B:
        """Per row: does the plan break it, its gates set as well as they can be?"""
        z = self.gate_values(qty)
        gated = self.gate >= 0
        lhs = self.loads(qty)
        lhs[gated] += self.gate_coef[gated] * z[self.gate[gated]]
        return np.asarray(lhs > self.rhs + 1e-9, dtype=np.bool_)

    def with_gates(self, rows: B) -> B:
        """`rows` and every row sharing a gate with one of them."""
        gated = self.gate >= 0
        if not self.n_gates:
            return rows
        hit = np.zeros(self.n_gates, dtype=np.bool_)
        hit[self.gate[rows & gated]] = True
        return rows | (gated & hit[np.maximum(self.gate, 0)])

    def violated(self, qty: I64) -> int:
        """Rows a plan breaks, its gates set as well as they can be."""
        return int(np.count_nonzero(self.broken(qty)))

    def pairs_of(self, rows: B, n_pairs: int) -> B:
        """Per pair: is it in one of `rows`?"""
        out = np.zeros(n_pairs, dtype=np.bool_)
        out[self.pair[rows[self.row]]] = True
        return out

    def less(self, qty: I64) -> SideRows:
        """The rows left for other units once `qty` is fixed."""
        return replace(self, rhs=self.rhs - self.loads(qty))

    def pair_prices(self, prices: F64, n_pairs: int) -> F64:
        """Per pair: the sum of its rows' prices (0 when no prices are given)."""
        if len(prices) != self.n_rows:
            return np.zeros(n_pairs)
        out = np.bincount(self.pair, weights=prices[self.row], minlength=n_pairs)
        return np.asarray(out, dtype=np.float64)

    def lagrangian_constant(self, prices: F64) -> float:
        """What priced rows add to a Lagrangian bound beyond the pairs' prices: -w.rhs, and each
        gate at its best value (0 or 1) for the prices."""
        if len(prices) != self.n_rows:
            return 0.0
        on = prices > 0
        total = -float(prices[on] @ self.rhs[on])
        gated = self.gate >= 0
        z_coef = np.bincount(
            self.gate[gated], weights=(prices * self.gate_coef)[gated], minlength=self.n_gates
        )
        return total + float(np.minimum(z_coef, 0.0).sum())


def attach(
    windows: LineWindows, pair_line: I64, pair_node: I64, pair_sku: I64, pair_ub: I64
) -> SideRows:
    """The windows' rows over the model's pairs (pairs of closed windows must be gone already)."""
    pairs: list[I64] = []
    rhs: list[float] = []
    gate: list[int] = []
    coef: list[float] = []
    for node, sku, hi, cap in zip(
        windows.row_node, windows.row_sku, windows.row_hi, windows.row_rhs, strict=True
    ):
        m = (pair_node == node) & (pair_line < hi) & ((sku == ANY_SKU) | (pair_sku == sku))
        pairs.append(np.flatnonzero(m).astype(np.int64))
        rhs.append(float(cap))
        gate.append(-1)
        coef.append(0.0)
    w = windows
    for g, (node, lo, hi, cap, highest) in enumerate(
        zip(w.gate_node, w.gate_lo, w.gate_hi, w.gate_cap, w.gate_highest, strict=True)
    ):
        at = pair_node == node
        period = np.flatnonzero(at & (pair_line >= lo) & (pair_line < hi)).astype(np.int64)
        before = np.flatnonzero(at & (pair_line < hi)).astype(np.int64)
        most = min(float(cap), float(pair_ub[period].sum()))
        earlier = min(float(highest), float(pair_ub[at & (pair_line < lo)].sum()))
        slack = max(0.0, earlier - float(cap))
        pairs += [period, before]
        rhs += [0.0, float(cap) + slack]
        gate += [g, g]
        coef += [-most, slack]
    count = [len(p) for p in pairs]
    return SideRows(
        pair=np.concatenate([*pairs, _E]).astype(np.int64),
        row=np.repeat(np.arange(len(count), dtype=np.int64), count),
        rhs=np.array(rhs, dtype=np.float64),
        gate=np.array(gate, dtype=np.int64),
        gate_coef=np.array(coef, dtype=np.float64),
        n_gates=len(windows.gate_node),
    )
