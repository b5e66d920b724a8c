"""Order streams as contract arrays: selecting orders, and problems over a network's state.

A replay sources one day's orders; waves, KPI buckets and sorting by arrival all work on a
selection of them. A `Selection` keeps the global index of every selected order and line, so that
allocations made on a sub-problem are lifted back to the day's indices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from oms.sourcing.contract import I64, Allocations, Orders, Problem


@dataclass(frozen=True)
class Selection:
    orders: Orders
    order_index: I64  # global index of each selected order
    line_index: I64  # global index of each selected line


def select_orders(orders: Orders, idx: I64) -> Selection:
    """The orders `idx` (in that order), with their lines."""
    idx = np.asarray(idx, dtype=np.int64)
    counts = np.diff(orders.line_start)[idx]
    line_start = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(counts, out=line_start[1:])
    shift = np.repeat(orders.line_start[idx] - line_start[:-1], counts)
    lines = np.arange(int(line_start[-1]), dtype=np.int64) + shift
    sub = Orders(
        ids=[orders.ids[i] for i in idx.tolist()],
        lat=orders.lat[idx],
        lon=orders.lon[idx],
        is_pickup=orders.is_pickup[idx],
        pickup_node=orders.pickup_node[idx],
        max_shipments=orders.max_shipments[idx],
        dest_lat=np.ascontiguousarray(orders.dest_lat[idx]),
        dest_lon=np.ascontiguousarray(orders.dest_lon[idx]),
        line_start=line_start,
        line_ids=[orders.line_ids[k] for k in lines.tolist()],
        line_sku=orders.line_sku[lines],
        line_qty=orders.line_qty[lines],
        line_order=np.repeat(np.arange(len(idx), dtype=np.int64), counts),
    )
    return Selection(sub, idx, lines)


def order_range(orders: Orders, first: int, end: int) -> Selection:
    return select_orders(orders, np.arange(first, end, dtype=np.int64))


def lift(alloc: Allocations, sel: Selection) -> Allocations:
    """Allocations on a selection, in the day's order and line indices."""
    return Allocations(
        order=sel.order_index[alloc.order],
        line=sel.line_index[alloc.line],
        node=alloc.node.copy(),
        qty=alloc.qty.copy(),
    )


def restrict(alloc: Allocations, orders: Orders, first: int, end: int) -> Allocations:
    """The allocations of orders `first` to `end - 1`, indexed as in `order_range` (inverse of
    `lift` on a range)."""
    keep = (alloc.order >= first) & (alloc.order < end)
    return Allocations(
        order=alloc.order[keep] - first,
        line=alloc.line[keep] - orders.line_start[first],
        node=alloc.node[keep],
        qty=alloc.qty[keep],
    )


def no_orders() -> Orders:
    z = np.zeros(0, dtype=np.int64)
    f = np.zeros(0, dtype=np.float64)
    return Orders(
        ids=[],
        lat=f,
        lon=f.copy(),
        is_pickup=np.zeros(0, dtype=np.bool_),
        pickup_node=z,
        max_shipments=z.copy(),
        dest_lat=f.copy(),
        dest_lon=f.copy(),
        line_start=np.zeros(1, dtype=np.int64),
        line_ids=[],
        line_sku=z.copy(),
        line_qty=z.copy(),
        line_order=z.copy(),
    )


def problem_at(
    network: Problem, orders: Orders, *, stock: I64 | None = None, capacity: I64 | None = None
) -> Problem:
    """The network with these orders, and optionally another stock [sku, node] and capacity."""
    nodes = network.nodes if capacity is None else replace(network.nodes, capacity=capacity)
    return Problem(
        settings=network.settings,
        nodes=nodes,
        sku_ids=network.sku_ids,
        sku_index=network.sku_index,
        stock=network.stock if stock is None else stock,
        orders=orders,
    )


def with_more_skus(network: Problem, extra: list[str]) -> Problem:
    """The network with SKUs appended that no node stocks (ordered or received later)."""
    new = [s for s in dict.fromkeys(extra) if s not in network.sku_index]
    if not new:
        return network
    sku_ids = [*network.sku_ids, *new]
    stock = np.zeros((len(sku_ids), len(network.nodes)), dtype=np.int64)
    stock[: len(network.sku_ids)] = network.stock
    return replace(
        network, sku_ids=sku_ids, sku_index={s: i for i, s in enumerate(sku_ids)}, stock=stock
    )
