"""The wave's MIP as arrays, restricted models built from them, and the MathOpt backend.

`WaveData` holds every candidate of the contract's model (DESIGN.md section 3):
- a *pair* (line l, node n) for each eligible node holding the line's SKU: integer x[l,n] units,
  0 <= x <= ub = min(qty, stock), priced `handling(n) - unfilled_penalty` (the unfilled units
  u_l = q_l - sum_n x[l,n] are substituted out; their full penalty is the constant `offset`);
- a *block* (order o, node n), the shipment of o from n: binary y[o,n], priced by
  `cost.shipment_cost` (0 for a pickup order's own node), with x[l,n] <= ub * y[o,n];
- per order s_o >= sum_n y[o,n] - 1 priced `split_penalty`, and sum_n y[o,n] <= max_shipments.
`build_model` restricts it to a subset of blocks and leaves out every row that cannot bind for
them (stock, capacity, line, max-shipment rows whose candidates cannot exceed them).
`wave_mathopt` takes the models to MathOpt protos and back without per-variable Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from oms.domain.geo import haversine_km
from oms.sourcing import cost
from oms.sourcing.contract import F64, I64, Allocations, B, Problem
from oms.sourcing.wave_side import LineWindows, SideRows, attach


@dataclass(frozen=True)
class WaveData:
    n_nodes: int
    n_orders: int
    line_qty: I64
    line_order: I64
    pair_line: I64  # pairs are sorted by block, so each block's pairs are contiguous
    pair_node: I64
    pair_block: I64
    pair_row: I64  # stock row (sku * n_nodes + node)
    pair_ub: I64
    pair_cost: F64
    block_order: I64  # blocks are sorted by order
    block_node: I64
    block_cost: F64
    block_first_pair: I64  # pairs of block b are block_first_pair[b]:block_first_pair[b + 1]
    order_max: I64  # max_shipments, capped at the order's number of blocks
    stock_flat: I64  # stock[sku * n_nodes + node]
    capacity: I64
    split_penalty: float
    offset: float  # unfilled_penalty * total quantity: the cost of allocating nothing
    side: SideRows = field(default_factory=SideRows.empty)  # rows over windows of lines

    @property
    def n_pairs(self) -> int:
        return len(self.pair_line)

    @property
    def n_blocks(self) -> int:
        return len(self.block_order)


def build_data(
    problem: Problem, windows: LineWindows | None = None, unit_price: F64 | None = None
) -> WaveData:
    """Every eligible (line, node) pair with stock, and the (order, node) blocks they form; with
    `windows`, less the pairs of closed windows and plus the windows' side rows. `unit_price`
    [sku, node] (>= 0) is added to the cost of every unit a pair takes (the look-ahead's value
    of the stock left): the model then minimises the contract's cost plus those prices."""
    n, o, s = problem.nodes, problem.orders, problem.settings
    n_nodes = len(n)
    line_node = _stocked_pairs(problem)
    pl, pn = line_node
    po = o.line_order[pl]
    ok = cost.is_eligible(
        n.can_ship[pn], o.is_pickup[po], o.pickup_node[po] == pn, np.bool_(s.allow_transfers)
    )
    if windows is not None:
        ok &= windows.open_pairs(pl, pn)
    pl, pn, po = pl[ok], pn[ok], po[ok]
    key = po * max(n_nodes, 1) + pn
    order = np.lexsort((pl, key))
    pl, pn, po, key = pl[order], pn[order], po[order], key[order]
    bkeys, pair_block = np.unique(key, return_inverse=True)
    b_order, b_node = bkeys // max(n_nodes, 1), bkeys % max(n_nodes, 1)
    dist = haversine_km(n.lat[b_node], n.lon[b_node], o.dest_lat[b_order], o.dest_lon[b_order])
    free = (o.is_pickup[b_order] & (o.pickup_node[b_order] == b_node)).astype(np.float64)
    b_cost = cost.shipment_cost(n.shipment_cost[b_node], n.cost_per_km[b_node], dist, free)
    row = o.line_sku[pl] * n_nodes + pn
    stock_flat = problem.stock.reshape(-1)
    n_blocks_of = np.bincount(b_order, minlength=len(o))
    pair_ub = np.minimum(o.line_qty[pl], stock_flat[row])
    side = SideRows.empty()
    if windows is not None:
        side = attach(windows, pl, pn, o.line_sku[pl], pair_ub)
    return WaveData(
        n_nodes=n_nodes,
        n_orders=len(o),
        line_qty=o.line_qty,
        line_order=o.line_order,
        pair_line=pl,
        pair_node=pn,
        pair_block=pair_block.astype(np.int64),
        pair_row=row,
        pair_ub=pair_ub,
        pair_cost=n.handling_cost[pn] - s.unfilled_penalty + _unit_prices(unit_price, row),
        block_order=b_order,
        block_node=b_node,
        block_cost=np.asarray(b_cost, dtype=np.float64),
        block_first_pair=np.searchsorted(pair_block, np.arange(len(bkeys) + 1)).astype(np.int64),
        order_max=np.minimum(o.max_shipments, n_blocks_of),
        stock_flat=stock_flat,
        capacity=n.capacity,
        split_penalty=s.split_penalty,
        offset=s.unfilled_penalty * float(o.line_qty.sum()),
        side=side,
    )


def _unit_prices(unit_price: F64 | None, row: I64) -> F64:
    """Per pair: its unit's price (row = sku * n_nodes + node), 0 without prices."""
    if unit_price is None:
        return np.zeros(len(row))
    return np.asarray(unit_price.reshape(-1)[row], dtype=np.float64)


def _stocked_pairs(problem: Problem) -> tuple[I64, I64]:
    """(line, node) for every node holding some of the line's SKU, without a dense line x node."""
    sku, node = np.nonzero(problem.stock > 0)  # sorted by sku
    start = np.searchsorted(sku, np.arange(len(problem.sku_ids) + 1))
    ls = problem.orders.line_sku
    count = start[ls + 1] - start[ls]
    lines = np.repeat(np.arange(len(ls), dtype=np.int64), count)
    first = np.repeat(start[ls] - np.cumsum(count) + count, count)
    return lines, node[first + np.arange(len(lines))].astype(np.int64)


# ---------------------------------------------------------------- restricted models


@dataclass(frozen=True)
class Rows:
    """The coupling rows a model carries; all other rows cannot bind for its candidates."""

    line: I64  # lines whose pairs could exceed the line's quantity
    stock: I64  # stock rows (sku * n_nodes + node)
    cap: I64  # nodes
    maxship: I64  # orders with more blocks than max_shipments
    split: I64  # orders with >= 2 blocks (when split_penalty > 0)
    side: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # side rows


def binding_rows(d: WaveData, blocks: B) -> Rows:
    """Rows that the pairs of the chosen blocks could violate."""
    pm = blocks[d.pair_block]
    ub = d.pair_ub * pm
    line_load = np.bincount(d.pair_line, weights=ub, minlength=len(d.line_qty))
    stock_load = np.bincount(d.pair_row, weights=ub, minlength=len(d.stock_flat))
    node_load = np.bincount(d.pair_node, weights=ub, minlength=d.n_nodes)
    nb = np.bincount(d.block_order, weights=blocks, minlength=d.n_orders)
    # Gated side rows always: their gate may be forced by units fixed outside the model.
    side = np.flatnonzero((d.side.loads(ub) > d.side.rhs) | (d.side.gate >= 0))
    return Rows(
        line=np.nonzero(line_load > d.line_qty)[0],
        stock=np.nonzero(stock_load > d.stock_flat)[0],
        cap=np.nonzero(node_load > d.capacity)[0],
        maxship=np.nonzero(nb > d.order_max)[0],
        split=np.nonzero(nb >= 2)[0] if d.split_penalty > 0 else np.zeros(0, dtype=np.int64),
        side=side,
    )


@dataclass(frozen=True)
class Model:
    """A linear model over a subset of blocks, as arrays (every row is `a x <= ub`).

    Variables: x (one per pair in `pairs`), then y for the blocks that need one, then s (one per
    order in `s_orders`) from `s0`, then the side rows' gates (binary) from `z0`. A block of one
    pair whose y would only mirror its x (y = x / ub: always in the LP; in the MIP when ub = 1)
    has no y: `block_var` is then that x and `block_coef` 1 / ub, so that y = block_coef *
    value[block_var] for every block.
    Row families start at `row_start[name]`."""

    obj: F64
    ub: F64
    integer: B
    offset: float
    row_ub: F64
    coo_row: I64
    coo_col: I64
    coo_val: F64
    pairs: I64
    blocks: I64
    block_var: I64
    block_coef: F64
    s0: int
    s_orders: I64
    z0: int
    rows: Rows
    row_start: dict[str, int]
    var_key: I64  # a name for each variable and row that stays the same across models of
    row_key: I64  # one WaveData (to carry an LP basis from one model to the next)

    @property
    def n_vars(self) -> int:
        return len(self.obj)

    def block_values(self, values: F64) -> F64:
        """y of each model block from a solution's values."""
        return self.block_coef * values[self.block_var]


def build_model(d: WaveData, blocks: B, *, relax: bool) -> Model:
    """data -> model: the MIP (or its LP relaxation) restricted to the chosen blocks."""
    pairs = np.nonzero(blocks[d.pair_block])[0]
    bids = np.nonzero(blocks)[0]
    rows = binding_rows(d, blocks)
    nx = len(pairs)
    xpos = np.full(d.n_pairs, -1, dtype=np.int64)
    xpos[pairs] = np.arange(nx)
    first = d.block_first_pair[bids]
    single = (d.block_first_pair[bids + 1] - first) == 1
    merged = single & (relax | (d.pair_ub[np.minimum(first, d.n_pairs - 1)] == 1))
    ny = int((~merged).sum())
    block_var = np.where(merged, xpos[np.minimum(first, d.n_pairs - 1)], 0)
    block_var[~merged] = nx + np.arange(ny)
    block_coef = np.where(merged, 1.0 / d.pair_ub[np.minimum(first, d.n_pairs - 1)], 1.0)
    s0, ns = nx + ny, len(rows.split)
    z0, nz = s0 + ns, d.side.n_gates
    obj = np.concatenate(
        [
            d.pair_cost[pairs],
            d.block_cost[bids][~merged],
            np.full(ns, d.split_penalty),
            np.zeros(nz),
        ]
    )
    np.add.at(obj, block_var[merged], d.block_cost[bids][merged] * block_coef[merged])
    # s has no upper bound of its own: a restricted one would distort the duals for pricing
    ub = np.concatenate([d.pair_ub[pairs], np.ones(ny), np.full(ns, np.inf), np.ones(nz)])
    # x - ub * y <= 0 for the pairs of blocks that keep a y
    bpos = np.full(d.n_blocks, -1, dtype=np.int64)
    bpos[bids] = np.arange(len(bids))
    lp = np.nonzero(~merged[bpos[d.pair_block[pairs]]])[0]
    ly = block_var[bpos[d.pair_block[pairs[lp]]]]
    nl = len(lp)
    xs = np.arange(nx)
    border = d.block_order[bids]
    parts = [
        (
            "link",
            np.tile(np.arange(nl), 2),
            np.concatenate([lp, ly]),
            np.concatenate([np.ones(nl), -d.pair_ub[pairs[lp]]]),
            np.zeros(nl),
        ),
        _grouped("line", d.pair_line[pairs], xs, rows.line, d.line_qty),
        _grouped("stock", d.pair_row[pairs], xs, rows.stock, d.stock_flat),
        _grouped("cap", d.pair_node[pairs], xs, rows.cap, d.capacity),
        _grouped("maxship", border, block_var, rows.maxship, d.order_max, block_coef),
        # sum_n y[o,n] - s_o <= 1
        _grouped(
            "split",
            np.concatenate([border, rows.split]),
            np.concatenate([block_var, s0 + np.arange(ns)]),
            rows.split,
            np.ones(d.n_orders, dtype=np.int64),
            np.concatenate([block_coef, -np.ones(ns)]),
        ),
        _side_part(d, rows.side, xpos, z0),
    ]
    row_start: dict[str, int] = {}
    r_all, c_all, v_all, ub_all = [], [], [], []
    n_rows = 0
    for name, r, c, v, rhs in parts:
        row_start[name] = n_rows
        r_all.append(r + n_rows)
        c_all.append(c)
        v_all.append(v)
        ub_all.append(rhs.astype(np.float64))
        n_rows += len(rhs)
    big = d.n_pairs + d.n_blocks + len(d.stock_flat) + len(d.line_qty) + d.n_orders + d.n_nodes + 1
    big += d.side.n_rows + nz
    gates = np.arange(nz, dtype=np.int64)
    var_key = np.concatenate([pairs, big + bids[~merged], 2 * big + rows.split, 3 * big + gates])
    row_key = np.concatenate(
        [
            pairs[lp],
            big + rows.line,
            2 * big + rows.stock,
            3 * big + rows.cap,
            4 * big + rows.maxship,
            5 * big + rows.split,
            6 * big + rows.side,
        ]
    )
    return Model(
        obj=obj.astype(np.float64),
        ub=ub.astype(np.float64),
        integer=((np.arange(len(obj)) < s0) | (np.arange(len(obj)) >= z0)) & (not relax),
        offset=d.offset,
        row_ub=np.concatenate(ub_all),
        coo_row=np.concatenate(r_all).astype(np.int64),
        coo_col=np.concatenate(c_all).astype(np.int64),
        coo_val=np.concatenate(v_all).astype(np.float64),
        pairs=pairs,
        blocks=bids,
        block_var=block_var,
        block_coef=block_coef,
        s0=s0,
        s_orders=rows.split,
        z0=z0,
        rows=rows,
        row_start=row_start,
        var_key=var_key,
        row_key=row_key,
    )


def _side_part(d: WaveData, keep: I64, xpos: I64, z0: int) -> tuple[str, I64, I64, F64, F64]:
    """The kept side rows: their pairs in the model (others are 0 here) and their gates."""
    side = d.side
    pos = np.full(side.n_rows, -1, dtype=np.int64)
    pos[keep] = np.arange(len(keep))
    sel = (pos[side.row] >= 0) & (xpos[side.pair] >= 0)
    gated = keep[side.gate[keep] >= 0]
    return (
        "side",
        np.concatenate([pos[side.row[sel]], pos[gated]]),
        np.concatenate([xpos[side.pair[sel]], z0 + side.gate[gated]]),
        np.concatenate([np.ones(int(sel.sum())), side.gate_coef[gated]]),
        side.rhs[keep],
    )


def _grouped(
    name: str, key: I64, var: I64, keep: I64, rhs_all: I64, coef: F64 | None = None
) -> tuple[str, I64, I64, F64, I64]:
    """Rows `sum of coef * var over terms whose key is keep[i] <= rhs_all[keep[i]]`."""
    pos = np.full(max(int(key.max(initial=-1)), int(keep.max(initial=-1))) + 1, -1, dtype=np.int64)
    pos[keep] = np.arange(len(keep))
    rowpos = pos[key]
    sel = rowpos >= 0
    c = np.ones(len(key)) if coef is None else coef
    return name, rowpos[sel], var[sel], c[sel], rhs_all[keep]


# ---------------------------------------------------------------- plans <-> model vectors


def alloc_to_qty(d: WaveData, alloc: Allocations) -> I64 | None:
    """Units per pair; None when some allocation is not a candidate pair (ineligible, no stock)."""
    key = d.pair_line * max(d.n_nodes, 1) + d.pair_node
    order = np.argsort(key, kind="stable")
    want = alloc.line * max(d.n_nodes, 1) + alloc.node
    pos = np.searchsorted(key[order], want)
    pos = np.minimum(pos, max(len(order) - 1, 0))
    if len(want) and (len(order) == 0 or np.any(key[order][pos] != want)):
        return None
    qty = np.zeros(d.n_pairs, dtype=np.int64)
    np.add.at(qty, order[pos], alloc.qty)
    return qty


def qty_to_alloc(d: WaveData, qty: I64) -> Allocations:
    k = np.nonzero(qty > 0)[0]
    line = d.pair_line[k]
    return Allocations(
        np.ascontiguousarray(d.line_order[line]),
        np.ascontiguousarray(line),
        np.ascontiguousarray(d.pair_node[k]),
        np.ascontiguousarray(qty[k]),
    )


def used_blocks(d: WaveData, qty: I64) -> B:
    return np.bincount(d.pair_block, weights=qty, minlength=d.n_blocks) > 0


def hint_vector(d: WaveData, m: Model, qty: I64) -> F64:
    """The plan as values of the model's variables (its blocks must include the plan's)."""
    h = np.zeros(m.n_vars)
    h[: len(m.pairs)] = qty[m.pairs]
    used = used_blocks(d, qty)
    has_y = m.block_var >= len(m.pairs)
    h[m.block_var[has_y]] = used[m.blocks[has_y]]
    n_used = np.bincount(d.block_order, weights=used, minlength=d.n_orders)
    h[m.s0 : m.z0] = np.maximum(n_used[m.s_orders] - 1, 0)
    h[m.z0 :] = d.side.gate_values(qty)
    return h


def values_to_qty(d: WaveData, m: Model, values: F64) -> I64:
    qty = np.zeros(d.n_pairs, dtype=np.int64)
    qty[m.pairs] = np.rint(values[: len(m.pairs)]).astype(np.int64)
    return np.clip(qty, 0, d.pair_ub)
