"""The one-order sourcer (checkout path) and the online run over a problem file.

Typed wrappers over `kernels.py`: they coerce dtypes, validate, raise domain errors, and make sure
the kernels are compiled (warm) before the first real call.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from oms import metrics
from oms.domain.errors import ValidationError
from oms.sourcing import kernels, promise_kernels
from oms.sourcing.arrays import NetworkArrays as NetworkArrays

# The service's network measures distances with the compiled definition (see network.py).
from oms.sourcing.compiled_rules import haversine_km as haversine_km
from oms.sourcing.contract import (
    F64,
    I64,
    NO_LIMIT,
    Allocations,
    B,
    Orders,
    Plan,
    Problem,
    Settings,
)
from oms.sourcing.cost import make_plan

_warm_lock = threading.Lock()
_warm = False


def warm_up() -> None:
    """Compile (or load from cache) every kernel once per process, on a two-node problem."""
    global _warm
    with _warm_lock:
        if _warm:
            return
        net = NetworkArrays.build(
            lat=np.array([45.0, 46.0]),
            lon=np.array([4.0, 5.0]),
            can_ship=np.array([True, True]),
            can_pickup=np.array([False, True]),
            handling=np.array([0.3, 0.9]),
            base=np.array([4.5, 6.0]),
            per_km=np.array([0.006, 0.008]),
        )
        stock = np.array([[1, 1], [0, 2]], dtype=np.int64)
        cap = np.array([1, NO_LIMIT], dtype=np.int64)
        sourcer = OnlineSourcer(net, Settings(1.5, 100.0, True), _skip_warm_up=True)
        for max_ship in (1, 4):
            sourcer.source_order(
                stock,
                cap,
                np.array([0, 1, 0]),
                np.array([1, 2, 1]),
                45.5,
                4.5,
                max_shipments=max_ship,
            )
        source_stream(net, Settings(1.5, 100.0, True), _tiny_orders(), stock.copy(), cap.copy())
        sourcer.source_promise(stock, cap, np.array([0, 1]), np.array([1, 1]), 45.5, 4.5, 3)
        # Distances the promise options ask for: node to node, node to a point.
        haversine_km(45.0, 4.0, 46.0, 5.0)
        _warm = True


class KernelNetwork(NamedTuple):
    """The first parameter group of every entry kernel, in the kernels' order (`kernels.py`): the
    packed node arrays and the problem's rules. Built once per sourcer, passed as `*bundle`."""

    floats: F64
    flags: B
    allow_transfers: bool
    split_penalty: float
    unfilled_penalty: float

    @staticmethod
    def of(network: NetworkArrays, settings: Settings) -> KernelNetwork:
        s = settings
        return KernelNetwork(
            network.floats, network.flags, s.allow_transfers, s.split_penalty, s.unfilled_penalty
        )


@dataclass(slots=True)
class OrderDecision:
    """Rows of (line index within the order, node index, units), the cost, unfilled per line."""

    line: I64
    node: I64
    qty: I64
    cost: float
    unfilled: I64

    @property
    def nodes_used(self) -> int:
        return len(np.unique(self.node))


@dataclass(slots=True)
class PromisePlan:
    """One of a promise's plans: `store` -1 ships to the destination, else the order is
    collected at node `store`; rows of (line, node, units), the cost, units unfilled per line."""

    store: int
    rows: list[tuple[int, int, int]]
    cost: float
    unfilled: list[int]


class OnlineSourcer:
    """Minimum-cost sourcing of one order at a time (exact, whatever the number of nodes)."""

    def __init__(
        self, network: NetworkArrays, settings: Settings, *, _skip_warm_up: bool = False
    ) -> None:
        if not _skip_warm_up:
            warm_up()
        self.network = network
        self.settings = settings
        # The kernels' first parameter group never changes for this sourcer: bound once, so a
        # call passes only what is left and the order (a partial costs no more than a plain call).
        fixed = KernelNetwork.of(network, settings)
        self._order_kernel = functools.partial(kernels.source_order_kernel, *fixed)
        self._promise_kernel = functools.partial(promise_kernels.promise_kernel, *fixed)

    def source_order(
        self,
        stock: I64,
        cap_left: I64,
        line_sku: I64,
        line_qty: I64,
        dest_lat: float,
        dest_lon: float,
        *,
        pickup_node: int = -1,
        max_shipments: int | None = None,
        unit_price: F64 | None = None,
    ) -> OrderDecision:
        """Decide one order against `stock` [sku, node] and `cap_left` [node]; changes neither.

        `unit_price` [sku, node], when given, is added to the handling cost of every unit taken
        (an opportunity price): the plan minimises contract cost + prices, and `cost` is the
        contract's cost of that plan, without the prices."""
        started = time.perf_counter()
        line_sku, line_qty = _i64(line_sku), _i64(line_qty)
        n = len(self.network)
        max_ship = NO_LIMIT if max_shipments is None else int(max_shipments)
        self._check_shapes(stock, cap_left, line_sku, line_qty, max_ship)
        prices = _prices(unit_price, stock.shape)
        room = len(line_qty) * min(max_ship, n)
        # One buffer for every integer output: fewer allocations and arguments on this path.
        out = np.empty(3 * room + len(line_qty), dtype=np.int64)
        out_cost = np.empty(1, dtype=np.float64)
        rows = self._order_kernel(
            stock,
            cap_left,
            prices,
            line_sku,
            line_qty,
            float(dest_lat),
            float(dest_lon),
            pickup_node >= 0,
            int(pickup_node),
            max_ship,
            out,
            out_cost,
        )
        if rows < 0:
            raise ValidationError([_KERNEL_ERRORS.get(rows, f"sourcing kernel status {rows}")])
        unfilled = out[3 * room :]
        if _warm:  # not warm_up's calls, which compile the kernels
            # any() of a short list: a numpy reduction would cost 3 us here
            (metrics.SOURCING_SHORT if any(unfilled.tolist()) else metrics.SOURCING_COMPLETE).inc()
            metrics.SOURCING_SECONDS.observe(time.perf_counter() - started)
        return OrderDecision(
            line=out[:rows],
            node=out[room : room + rows],
            qty=out[2 * room : 2 * room + rows],
            cost=float(out_cost[0]),
            unfilled=unfilled,
        )

    def source_promise(
        self,
        stock: I64,
        cap_left: I64,
        line_sku: I64,
        line_qty: I64,
        dest_lat: float,
        dest_lon: float,
        pickup_stores: int,
        unit_price: F64 | None = None,
    ) -> list[PromisePlan]:
        """The plan shipping the order to the destination, then a pickup plan at each of the
        ``pickup_stores`` nearest enabled pickup stores, nearest first: the same decisions as
        `source_order` asked one by one (with the same `unit_price`), in one kernel call."""
        line_sku, line_qty = _i64(line_sku), _i64(line_qty)
        self._check_shapes(stock, cap_left, line_sku, line_qty, NO_LIMIT)
        prices = _prices(unit_price, stock.shape)
        n_lines = len(line_qty)
        room = n_lines * len(self.network)
        scratch = np.empty(3 * room + n_lines, dtype=np.int64)
        out = np.empty((1 + pickup_stores) * (2 + 3 * room + n_lines), dtype=np.int64)
        out_cost = np.empty(1 + pickup_stores, dtype=np.float64)
        used = self._promise_kernel(
            stock,
            cap_left,
            prices,
            line_sku,
            line_qty,
            float(dest_lat),
            float(dest_lon),
            pickup_stores,
            scratch,
            out,
            out_cost,
        )
        if used < 0:
            raise ValidationError([_KERNEL_ERRORS.get(used, f"sourcing kernel status {used}")])
        return _unpack_plans(out[:used].tolist(), out_cost.tolist(), n_lines)

    def _check_shapes(
        self, stock: I64, cap_left: I64, line_sku: I64, line_qty: I64, max_ship: int
    ) -> None:
        n = len(self.network)
        problems = []
        if not (stock.dtype == np.int64 and stock.ndim == 2 and stock.shape[1] == n):
            problems.append(f"stock must be an int64 array [sku, node] with {n} node columns")
        elif not stock.flags.c_contiguous:
            problems.append("stock must be C-contiguous")
        if not (cap_left.dtype == np.int64 and cap_left.shape == (n,)):
            problems.append(f"cap_left must be an int64 array of {n} nodes")
        if line_sku.shape != line_qty.shape or line_sku.ndim != 1:
            problems.append("an order needs one SKU and one quantity per line")
        if max_ship < 1:
            problems.append("max_shipments must be >= 1")
        if problems:
            raise ValidationError(problems)


_KERNEL_ERRORS = {
    kernels.ERR_LINES: "an order needs at least one line",
    kernels.ERR_QTY: "every line qty must be >= 1",
    kernels.ERR_SKU: "a line names a SKU outside the stock array",
    kernels.ERR_PICKUP: "pickup_node is not a pickup-capable node",
    kernels.ERR_ROOM: "internal: output arrays too small",
}


def source_online(
    problem: Problem,
    *,
    enabled: B | None = None,
    chunk: int = 5_000,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Orders in file order, each against what earlier ones left, as at checkout."""
    warm_up()
    started = time.perf_counter()
    alloc, _ = source_stream(
        NetworkArrays.from_nodes(problem.nodes, enabled),
        problem.settings,
        problem.orders,
        np.ascontiguousarray(problem.stock.copy()),
        problem.nodes.capacity.copy(),
        chunk=chunk,
        progress=progress,
    )
    return make_plan(
        problem,
        alloc,
        status="heuristic",
        mode="online",
        elapsed_s=time.perf_counter() - started,
        extra={"strategy": "online"},
    )


def source_stream(
    net: NetworkArrays,
    settings: Settings,
    orders: Orders,
    stock: I64,
    cap_left: I64,
    *,
    chunk: int = 5_000,
    progress: Callable[[int], None] | None = None,
    first: int = 0,
    end: int | None = None,
    unit_price: F64 | None = None,
) -> tuple[Allocations, F64]:
    """Source `orders` one after another, taking their units off `stock` and `cap_left`.

    Only orders `first` to `end - 1` (default: all) are sourced; allocations keep the global order
    and line indices. `unit_price` [sku, node], when given, is added to the handling cost of
    every unit taken (see `OnlineSourcer.source_order`). Returns the allocations and each order's
    contract cost (without prices; 0 outside the range)."""
    o = orders
    prices = _prices(unit_price, stock.shape)
    kernel_network = KernelNetwork.of(net, settings)
    end = len(o) if end is None else end
    size = max(16, int(o.line_start[end] - o.line_start[first]) * 2)
    rows = [np.empty(size, dtype=np.int64) for _ in range(4)]
    order_cost = np.zeros(len(o), dtype=np.float64)
    start, row = first, 0
    while start < end:
        stop = min(end, start + chunk)
        nxt, row = kernels.source_stream_kernel(
            *kernel_network,
            stock,
            cap_left,
            prices,
            o.line_start,
            o.line_sku,
            o.line_qty,
            o.dest_lat,
            o.dest_lon,
            o.is_pickup,
            o.pickup_node,
            o.max_shipments,
            start,
            stop,
            *rows,
            row,
            order_cost,
        )
        if progress is not None:
            progress(int(nxt) - start)
        if nxt < stop:  # out of rows: grow and go on where it stopped
            rows = [np.concatenate([r, np.empty(len(r), dtype=np.int64)]) for r in rows]
        start = int(nxt)
    return Allocations(*(np.ascontiguousarray(r[:row]) for r in rows)), order_cost


def _unpack_plans(packed: list[int], costs: list[float], n_lines: int) -> list[PromisePlan]:
    """`promise_kernel`'s packed plans: [store, rows, (line, node, units) x rows, unfilled]."""
    plans: list[PromisePlan] = []
    at = 0
    while at < len(packed):
        store, rows = packed[at], packed[at + 1]
        at += 2
        triples = iter(packed[at : at + 3 * rows])
        at += 3 * rows
        rows_of = list(zip(triples, triples, triples, strict=True))
        plans.append(PromisePlan(store, rows_of, costs[len(plans)], packed[at : at + n_lines]))
        at += n_lines
    return plans


def _tiny_orders() -> Orders:
    one = np.ones(1, dtype=np.int64)
    return Orders(
        ids=["warm-up"],
        lat=np.array([45.5]),
        lon=np.array([4.5]),
        is_pickup=np.array([True]),
        pickup_node=one.copy(),
        max_shipments=np.array([NO_LIMIT], dtype=np.int64),
        dest_lat=np.array([46.0]),
        dest_lon=np.array([5.0]),
        line_start=np.array([0, 2], dtype=np.int64),
        line_ids=["a", "b"],
        line_sku=np.array([0, 1], dtype=np.int64),
        line_qty=np.array([1, 2], dtype=np.int64),
        line_order=np.zeros(2, dtype=np.int64),
    )


@functools.lru_cache(maxsize=8)
def _no_prices(shape: tuple[int, ...]) -> F64:
    """Zero prices for a stock shape, made once: the checkout path allocates nothing for them."""
    return np.zeros(shape, dtype=np.float64)


def _prices(unit_price: F64 | None, shape: tuple[int, ...]) -> F64:
    """The kernels' `unit_price`: zeros when none is given, else a float64 C-contiguous array of
    the stock's shape (a unit whose price is not finite is never taken: see coverage_kernel)."""
    if unit_price is None:
        return _no_prices(shape)
    prices = np.ascontiguousarray(unit_price, dtype=np.float64)
    if prices.shape != shape:
        raise ValidationError([f"unit_price must have the stock's shape {shape}"])
    return prices


def _i64(a: np.ndarray) -> I64:
    if a.dtype == np.int64 and a.flags.c_contiguous:  # the common case costs no copy, no call
        return a
    return np.ascontiguousarray(a, dtype=np.int64)
