"""Why the sourcer chose a plan for one order: its cost breakdown, and the alternatives it
rejected with their costs and the reason.

Pure: numpy and the one cost function (cost.py). The chosen plan is the real sourcer's
decision, handed in, never re-derived here. The alternatives are node sets drawn from the
chosen nodes and the eligible nodes cheapest for this destination (singletons, pairs, triples;
bounded); each is filled as cheaply as it can be with exactly those nodes (explain_fill.py),
priced by `cost.evaluate` and given a verdict:

- `no_stock`: the set lacks units of a SKU the chosen plan places (names it, and how many);
- `capacity`: the stock is there, the nodes' capacity left is short;
- `max_shipments`: more shipments than the order allows;
- `dominated`: a node of the set would carry nothing (the same plan as a smaller set);
- `costlier`: feasible and dearer, by `extra_cost`; `tied`: feasible and as cheap (the
  search's order broke the tie).

The sourcer's objective is the contract's cost plus, under the look-ahead policy, the price of
each unit taken, with the unfilled penalty the sourcer ran with: an exact sourcer's choice is
never beaten by a feasible alternative in it (the invariant the tests check).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from oms.sourcing.contract import F64, I64, NO_LIMIT, Allocations, B, Nodes, Orders, Problem
from oms.sourcing.contract_types import CostBreakdown, Settings
from oms.sourcing.cost import eligible_nodes, evaluate, node_shipment_costs
from oms.sourcing.explain_fill import cheapest_fill

POOL_BY_DISTANCE = 8  # nodes cheapest to ship from, whatever they hold (why not the nearest?)
POOL_BY_FILL = 8  # nodes cheapest serving the cart alone
MAX_SET = 3
TRIPLE_POOL = 10  # triples over at most this many nodes: 120 sets
SHOWN_FEASIBLE = 5
TIE = 1e-6
REJECTIONS = ("no_stock", "capacity", "max_shipments", "dominated")


@dataclass(frozen=True)
class OneOrder:
    """One order and the state it is decided against, as the sourcer saw them.

    `nodes`: the network (contract arrays; their capacity is ignored: `cap_left` counts);
    `enabled`: nodes serving now; `stock` [sku row, node] ATP; `line_sku` rows of `stock`;
    `settings`: the contract's (reported costs); `unfilled_penalty`: the one the sourcer ran
    with (raised under look-ahead); `unit_price` [sku row, node] or None."""

    nodes: Nodes
    enabled: B
    settings: Settings
    sku_ids: list[str]
    stock: I64
    cap_left: I64
    line_sku: I64
    line_qty: I64
    dest_lat: float
    dest_lon: float
    pickup_node: int = -1
    max_shipments: int = NO_LIMIT
    unit_price: F64 | None = None
    unfilled_penalty: float | None = None

    @property
    def penalty(self) -> float:
        p = self.unfilled_penalty
        return self.settings.unfilled_penalty if p is None else p


@dataclass(frozen=True)
class PlanRow:
    line: int
    sku: str
    node: str
    qty: int
    lookahead_price: float | None  # per unit, under the look-ahead policy


@dataclass(frozen=True)
class PricedPlan:
    rows: list[PlanRow]
    cost: CostBreakdown  # the contract's
    shipments: int
    unfilled_units: int
    stock_value: float | None  # the look-ahead prices of the units used
    objective: float  # what the sourcer minimised: cost + stock value (+ raised penalty)

    @property
    def nodes(self) -> list[str]:
        return sorted({r.node for r in self.rows})


@dataclass(frozen=True)
class Alternative:
    plan: PricedPlan
    verdict: str
    detail: str
    extra_cost: float  # objective over the chosen plan's


@dataclass(frozen=True)
class Explanation:
    chosen: PricedPlan
    alternatives: list[Alternative]
    sets_considered: int


def explain_order(order: OneOrder, rows: list[tuple[int, int, int]]) -> Explanation:
    """The chosen plan (`rows` of (line, node index, units): the sourcer's decision) priced,
    and the best alternatives with their verdicts."""
    problem = one_order_problem(order)
    chosen = price(order, problem, rows)
    board = _Board.of(order, problem, rows)
    scored = [_judge(order, problem, board, chosen, s) for s in candidate_sets(order, rows)]
    return Explanation(chosen, shortlist(scored), len(scored))


@dataclass(frozen=True)
class _Board:
    """What every node set is judged against, worked out once per explanation: units usable
    and their unit cost [SKU row, node], the eligible nodes, units wanted per SKU row, and
    units the chosen plan places per SKU row."""

    have: I64
    unit_cost: F64
    ok: B
    demand: I64
    placed: I64

    @staticmethod
    def of(order: OneOrder, problem: Problem, rows: list[tuple[int, int, int]]) -> _Board:
        have, hu, ok = usable(order, problem)
        placed = np.zeros(order.stock.shape[0], dtype=np.int64)
        for j, _, q in rows:
            placed[order.line_sku[j]] += q
        return _Board(have, hu, ok, _demand(order), placed)


def one_order_problem(order: OneOrder) -> Problem:
    """The contract's problem of this order alone (capacity: what is left)."""
    n = len(order.line_qty)
    nodes = replace(order.nodes, capacity=order.cap_left.astype(np.int64))
    is_pickup = order.pickup_node >= 0
    orders = Orders(
        ids=["order"],
        lat=np.array([order.dest_lat]),
        lon=np.array([order.dest_lon]),
        is_pickup=np.array([is_pickup]),
        pickup_node=np.array([order.pickup_node], dtype=np.int64),
        max_shipments=np.array([order.max_shipments], dtype=np.int64),
        dest_lat=np.array([order.dest_lat]),
        dest_lon=np.array([order.dest_lon]),
        line_start=np.array([0, n], dtype=np.int64),
        line_ids=[str(j) for j in range(n)],
        line_sku=order.line_sku.astype(np.int64),
        line_qty=order.line_qty.astype(np.int64),
        line_order=np.zeros(n, dtype=np.int64),
    )
    index = {s: k for k, s in enumerate(order.sku_ids)}
    return Problem(order.settings, nodes, list(order.sku_ids), index, order.stock, orders)


def price(order: OneOrder, problem: Problem, rows: list[tuple[int, int, int]]) -> PricedPlan:
    """A plan of (line, node, units) rows priced by the one cost function, plus its prices."""
    rows = [r for r in rows if r[2] > 0]
    alloc = Allocations.from_rows([(0, j, i, q) for j, i, q in rows])
    report = evaluate(problem, alloc)
    prices = order.unit_price
    unit = [None if prices is None else float(prices[order.line_sku[j], i]) for j, i, _ in rows]
    value = None if prices is None else _value(unit, rows)
    unfilled = int(report.unfilled_qty.sum())
    extra_penalty = (order.penalty - order.settings.unfilled_penalty) * unfilled
    ids, skus = order.nodes.ids, order.sku_ids
    return PricedPlan(
        rows=[
            PlanRow(j, skus[order.line_sku[j]], ids[i], q, p)
            for (j, i, q), p in zip(rows, unit, strict=True)
        ],
        cost=report.cost,
        shipments=int(report.shipments[0]),
        unfilled_units=unfilled,
        stock_value=value,
        objective=report.cost.total + (value or 0.0) + extra_penalty,
    )


def _value(unit: list[float | None], rows: list[tuple[int, int, int]]) -> float:
    """The prices of the units of `rows` (`unit`: the price per unit of each row)."""
    return sum((p or 0.0) * q for p, (_, _, q) in zip(unit, rows, strict=True))


def usable(order: OneOrder, problem: Problem) -> tuple[I64, F64, B]:
    """Per distinct SKU row and node: units usable (0 where a unit costs more than leaving it
    unfilled, as the sourcer's coverage rule says), unit cost (handling + price), and the
    eligible nodes (enabled, may serve, capacity left)."""
    hu = order.nodes.handling_cost[None, :] + (
        0.0 if order.unit_price is None else order.unit_price
    )
    useful = hu < order.penalty  # False for a NaN price too
    have = np.where(useful, np.maximum(order.stock, 0), 0).astype(np.int64)
    ok = eligible_nodes(problem, 0) & order.enabled & (order.cap_left > 0)
    return have, np.broadcast_to(hu, order.stock.shape).astype(np.float64), ok


def candidate_sets(order: OneOrder, rows: list[tuple[int, int, int]]) -> list[tuple[int, ...]]:
    """Node sets to compare with the chosen one: singletons and pairs over the pool (the chosen
    nodes carrying most, nodes cheapest to ship from, nodes cheapest serving the cart alone:
    at most 24, 300 sets), triples over the first and last groups (at most 10 nodes, 120
    sets); the chosen set itself left out."""
    problem = one_order_problem(order)
    have, hu, ok = usable(order, problem)
    eligible = np.nonzero(ok)[0]
    ship = node_shipment_costs(problem, 0)
    chosen = sorted({i for _, i, q in rows if q > 0})
    near = sorted(eligible.tolist(), key=lambda i: (ship[i], i))[:POOL_BY_DISTANCE]
    alone = _by_single_node_cost(order, eligible, have, hu, ship)[:POOL_BY_FILL]
    # Bounded: a plan over many nodes (a large cart, little capacity) keeps its biggest ones.
    carried = _units_by_node(rows)
    biggest = sorted(chosen, key=lambda i: (-carried[i], i))[:POOL_BY_FILL]
    pool = list(dict.fromkeys([*biggest, *near, *alone]))
    small = [s for k in (1, 2) for s in itertools.combinations(sorted(pool), k)]
    for_triples = list(dict.fromkeys([*biggest, *alone]))[:TRIPLE_POOL]
    triples = list(itertools.combinations(sorted(for_triples), MAX_SET))
    return [s for s in dict.fromkeys(small + triples) if list(s) != chosen]


def _units_by_node(rows: list[tuple[int, int, int]]) -> dict[int, int]:
    carried: dict[int, int] = {}
    for _, i, q in rows:
        carried[i] = carried.get(i, 0) + q
    return carried


def _by_single_node_cost(
    order: OneOrder, eligible: I64, have: I64, hu: F64, ship: F64
) -> list[int]:
    """Eligible nodes by what the cart would cost from them alone (its cheapest units up to
    the capacity left, the rest unfilled at the penalty), cheapest first."""
    demand = _demand(order)
    placed = np.minimum(have[:, eligible], demand[:, None])  # [SKU row, eligible node]
    units = np.minimum(placed.sum(axis=0), order.cap_left[eligible])
    by_cost = np.argsort(hu[:, eligible], axis=0, kind="stable")
    p_sorted = np.take_along_axis(placed, by_cost, axis=0)
    h_sorted = np.take_along_axis(hu[:, eligible], by_cost, axis=0)
    before = np.cumsum(p_sorted, axis=0) - p_sorted
    taken = np.clip(units[None, :] - before, 0, p_sorted)
    unfilled = int(demand.sum()) - units
    cost = ship[eligible] + (taken * h_sorted).sum(axis=0) + order.penalty * unfilled
    return [int(eligible[k]) for k in np.lexsort((eligible, cost))]


def _demand(order: OneOrder) -> I64:
    """Units wanted per SKU row of the stock."""
    return np.bincount(
        order.line_sku, weights=order.line_qty, minlength=order.stock.shape[0]
    ).astype(np.int64)


def _judge(
    order: OneOrder, problem: Problem, board: _Board, chosen: PricedPlan, nodes: tuple[int, ...]
) -> Alternative:
    """The cheapest fill of the cart from exactly `nodes`, priced, and its verdict."""
    cols = list(nodes)
    have = np.where(board.ok[cols][None, :], board.have[:, cols], 0)
    fill = cheapest_fill(board.demand, have, board.unit_cost[:, cols], order.cap_left[cols])
    plan = price(order, problem, _rows_of(order, cols, fill.units))
    extra = plan.objective - chosen.objective
    verdict, detail = _verdict(order, nodes, fill.units, have, board.placed, extra)
    if verdict == "costlier" and plan.stock_value is not None:
        detail += _priced_parts(plan, chosen)
    return Alternative(plan, verdict, detail, round(extra, 6))


def _priced_parts(plan: PricedPlan, chosen: PricedPlan) -> str:
    """Under prices, what the difference is made of: a plan can cost less and still lose on
    the value of the stock it uses."""
    cost = plan.cost.total - chosen.cost.total
    value = (plan.stock_value or 0.0) - (chosen.stock_value or 0.0)
    return f" (cost {cost:+.2f}, stock value {value:+.2f})"


def _verdict(
    order: OneOrder,
    nodes: tuple[int, ...],
    placed: I64,
    have: I64,
    wanted: I64,
    extra: float,
) -> tuple[str, str]:
    """The first rule the set breaks (in the order of the module's list), else its cost."""
    ids, skus = order.nodes.ids, order.sku_ids
    names = ", ".join(ids[i] for i in nodes)
    if len(nodes) > order.max_shipments:
        return "max_shipments", (f"{len(nodes)} shipments; the order allows {order.max_shipments}")
    for s in np.nonzero(have.sum(axis=1) < wanted)[0].tolist():
        held = int(have[s].sum())
        return "no_stock", (
            f'{names} hold {held} of SKU "{skus[s]}"; the cart needs {int(wanted[s])} '
            f"({int(wanted[s]) - held} short)"
        )
    if placed.sum() < wanted.sum():
        left = ", ".join(f"{ids[i]} {int(order.cap_left[i])}" for i in nodes)
        return "capacity", f"capacity left ({left}) places {int(placed.sum())} of {wanted.sum()}"
    idle = [ids[i] for k, i in enumerate(nodes) if placed[:, k].sum() == 0]
    if idle:
        rest = ", ".join(ids[i] for k, i in enumerate(nodes) if placed[:, k].sum() > 0)
        return "dominated", f"{', '.join(idle)} would carry nothing: the same plan as {rest}"
    if extra <= TIE:
        return "tied", "as cheap as the chosen plan (the search's order broke the tie)"
    return "costlier", f"costlier by {extra:.2f}"


def _rows_of(order: OneOrder, cols: list[int], units: I64) -> list[tuple[int, int, int]]:
    """Units per (SKU row, node of the set) spread over the cart's lines of that SKU."""
    rows: list[tuple[int, int, int]] = []
    left = order.line_qty.astype(np.int64).copy()
    for k, node in enumerate(cols):
        for s in np.nonzero(units[:, k])[0].tolist():
            q = int(units[s, k])
            for j in np.nonzero(order.line_sku == s)[0].tolist():
                take = min(q, int(left[j]))
                if take > 0:
                    rows.append((j, node, take))
                    left[j] -= take
                    q -= take
    return rows


def shortlist(scored: list[Alternative]) -> list[Alternative]:
    """The cheapest feasible alternatives, then the cheapest rejection of each kind not
    already shown."""
    feasible = sorted(
        (a for a in scored if a.verdict in ("costlier", "tied")), key=lambda a: a.extra_cost
    )
    shown = feasible[:SHOWN_FEASIBLE]
    for kind in REJECTIONS:
        of_kind = [a for a in scored if a.verdict == kind]
        if of_kind:
            shown.append(min(of_kind, key=lambda a: (a.extra_cost, len(a.plan.nodes))))
    return shown
