"""Opportunity costs of stock and capacity from forecast demand (Acimovic & Graves, M&SOM 2015).

The look-ahead policy prices each unit of stock by what it is worth to the demand still to come,
and adds that price to the unit's cost when it sources an order, with the same exact search as
the online policy. The price comes from the duals of a transportation LP over the forecast
(`forecast.py`) against the stock and capacity left:

    min  sum c[r,n] x[r,n,s] + U u[r,s]
    s.t. sum_n x[r,n,s] + u[r,s] = D[r,s]        every region r and SKU s (forecast units)
         sum_r x[r,n,s] <= stock[s,n]            dual lambda[s,n] >= 0: a unit's opportunity cost
         sum_{r,s} x[r,n,s] <= capacity_left[n]  dual mu[n] >= 0: a unit of capacity's
         x, u >= 0

with c[r,n] the contract's cost of a unit from node n to region r (its handling, plus the
shipment cost spread over `units_per_shipment` units; nothing for a pickup region's own node),
only over the nodes that may serve r (`cost.is_eligible`) and, per region and SKU, the
`NEAREST` cheapest nodes holding the SKU (the far ones carry flow only when nearer stock is
short, which the prices of the near ones already say). Unfilled units cost the contract's
unfilled penalty U. The price of a unit of SKU s at node n is lambda[s,n] + mu[n].

Solver, by measurement on black-friday-fr at 00:00 (64 nodes, 300 SKUs, 120 regions: 149k arcs,
29k rows), each through MathOpt (`wave_mathopt`): GLOP 2.0-7.0 s, HiGHS (simplex) 6.1 s, HiGHS
IPM 27.7 s, PDLP 17.7 s with duals up to 0.97 off; GLOP and HiGHS agree to 1e-13. GLOP it is.
A basis carried from the previous pricing did not help: rows and columns come and go with the
forecast and the stock, and GLOP refused the carried basis.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from oms.domain.geo import haversine_km
from oms.sourcing import wave_mathopt
from oms.sourcing.contract import F64, I64, NO_LIMIT, Allocations, B, Nodes, Plan, Problem, Settings
from oms.sourcing.cost import is_eligible, make_plan, shipment_cost
from oms.sourcing.forecast import DemandLines, Forecast, demand_lines

# (problem, stock, capacity left, first, end, progress, unit prices): the registry's
# PricedRangeSourcer (that module imports this one late).
PricedRange = Callable[
    [Problem, I64, I64, int, int, Callable[[int], None] | None, F64], Allocations
]

# Per region and SKU, the cheapest nodes holding the SKU that get an arc.
NEAREST = 12
# Forecast units below this are noise: no row.
MIN_UNITS = 1e-6
# Stock and capacity rows get this much more room: when a forecast asks exactly for what is
# there, the row's dual is any price from 0 to what the unit saves (the LP is degenerate), and
# the solver may pick the top; stock that covers its forecast must be free.
SLACK_UNITS = 1e-4
LP_TIME_LIMIT_S = 30.0
SOLVER = "glop"


@dataclass(frozen=True)
class Prices:
    """Opportunity costs: `unit[s, n]` = lambda[s, n] + mu[n], added to each unit's cost."""

    unit: F64  # [sku, node]
    stock: F64  # [sku, node] lambda
    capacity: F64  # [node] mu
    arcs: int
    elapsed_s: float
    optimal: bool
    forecast_units: float = 0.0  # the units the forecast priced against

    @staticmethod
    def zero(n_skus: int, n_nodes: int, forecast_units: float = 0.0) -> Prices:
        return Prices(
            np.zeros((n_skus, n_nodes)),
            np.zeros((n_skus, n_nodes)),
            np.zeros(n_nodes),
            0,
            0.0,
            True,
            forecast_units,
        )


@dataclass(frozen=True)
class Arcs:
    """The LP's columns: region, node, SKU and unit cost of each."""

    region: I64
    node: I64
    sku: I64
    cost: F64


def unit_costs(
    nodes: Nodes, settings: Settings, forecast: Forecast, units_per_shipment: float
) -> tuple[F64, B]:
    """[region, node] the cost of one unit from the node to the region, and may it serve it."""
    reg = forecast.regions
    dist = haversine_km(reg.lat[:, None], reg.lon[:, None], nodes.lat[None, :], nodes.lon[None, :])
    own = reg.pickup[:, None] == np.arange(len(nodes))[None, :]
    ship = shipment_cost(nodes.shipment_cost[None, :], nodes.cost_per_km[None, :], dist, own)
    cost = nodes.handling_cost[None, :] + ship / max(units_per_shipment, 1.0)
    may = is_eligible(
        nodes.can_ship[None, :], (reg.pickup >= 0)[:, None], own, np.bool_(settings.allow_transfers)
    )
    return cost, np.asarray(may, dtype=np.bool_)


def arcs_of(
    cost: F64, may: B, stock: I64, cap_left: I64, enabled: B, forecast: Forecast, unfilled: float
) -> Arcs:
    """Per SKU, each region with demand linked to its NEAREST cheapest eligible stocked nodes."""
    open_ = enabled & (cap_left > 0)
    parts: list[tuple[I64, I64, I64, F64]] = []
    for s in np.flatnonzero(forecast.units.max(axis=0) > MIN_UNITS).tolist():
        held = np.flatnonzero((stock[s] > 0) & open_)
        wanting = np.flatnonzero(forecast.units[:, s] > MIN_UNITS)
        if not len(held) or not len(wanting):
            continue
        c = np.where(may[np.ix_(wanting, held)], cost[np.ix_(wanting, held)], np.inf)
        keep = min(NEAREST, len(held))
        best = np.argpartition(c, keep - 1, axis=1)[:, :keep] if keep < len(held) else None
        cols = np.broadcast_to(np.arange(len(held)), c.shape) if best is None else best
        rows = np.broadcast_to(np.arange(len(wanting))[:, None], cols.shape)
        vals = c[rows, cols]
        ok = vals < unfilled
        parts.append(
            (wanting[rows[ok]], held[cols[ok]], np.full(int(ok.sum()), s, dtype=np.int64), vals[ok])
        )
    if not parts:
        e = np.zeros(0, dtype=np.int64)
        return Arcs(e, e, e, np.zeros(0))
    return Arcs(*(np.concatenate([p[k] for p in parts]) for k in range(4)))  # type: ignore[arg-type]


def opportunity_costs(
    nodes: Nodes,
    settings: Settings,
    stock: I64,
    cap_left: I64,
    enabled: B,
    forecast: Forecast,
    *,
    units_per_shipment: float,
    time_limit_s: float = LP_TIME_LIMIT_S,
) -> Prices:
    """The LP's duals as prices per unit of stock (lambda) and of node capacity (mu)."""
    started = time.perf_counter()
    n_skus, n_nodes = stock.shape
    cost, may = unit_costs(nodes, settings, forecast, units_per_shipment)
    arcs = arcs_of(cost, may, stock, cap_left, enabled, forecast, settings.unfilled_penalty)
    if not len(arcs.cost):
        return Prices.zero(n_skus, n_nodes, forecast.total)
    lp = _transportation_lp(arcs, stock, cap_left, forecast, settings.unfilled_penalty)
    duals, optimal = _solve_duals(lp, time_limit_s)
    lam = np.zeros((n_skus, n_nodes))
    mu = np.zeros(n_nodes)
    if duals is not None:
        # MathOpt's duals of "<=" rows in a minimisation are <= 0; the price is their negation.
        lam.reshape(-1)[lp.stock_keys] = np.maximum(-duals[lp.stock_rows], 0.0)
        mu[lp.cap_nodes] = np.maximum(-duals[lp.cap_rows], 0.0)
    elapsed = time.perf_counter() - started
    return Prices(lam + mu[None, :], lam, mu, len(arcs.cost), elapsed, optimal, forecast.total)


@dataclass(frozen=True)
class _Lp:
    """The LP as arrays (`wave_mathopt.LinearArrays`), and where its priced rows are."""

    obj: F64
    ub: F64
    integer: B
    offset: float
    row_ub: F64
    coo_row: I64
    coo_col: I64
    coo_val: F64
    stock_keys: I64  # flat [sku, node] index of each stock row
    stock_rows: I64
    cap_nodes: I64
    cap_rows: I64

    @property
    def n_vars(self) -> int:
        return len(self.obj)


def _transportation_lp(
    arcs: Arcs, stock: I64, cap_left: I64, forecast: Forecast, unfilled: float
) -> _Lp:
    """Rows, all "<=": demand (region, SKU), stock (SKU, node), capacity (node); unfilled units
    are substituted out (x is priced c - U, the constant U * sum D is the offset)."""
    n_skus, n_nodes = stock.shape
    n_x = len(arcs.cost)
    dem_key, dem_row = np.unique(arcs.region * n_skus + arcs.sku, return_inverse=True)
    st_key, st_row = np.unique(arcs.sku * n_nodes + arcs.node, return_inverse=True)
    capped = np.flatnonzero((cap_left < NO_LIMIT) & np.isin(np.arange(n_nodes), arcs.node))
    cap_index = np.full(n_nodes, -1, dtype=np.int64)
    cap_index[capped] = np.arange(len(capped))
    r1, r2 = len(dem_key), len(dem_key) + len(st_key)
    has_cap = cap_index[arcs.node] >= 0
    cols = np.arange(n_x)
    coo_row = np.concatenate([dem_row, r1 + st_row, r2 + cap_index[arcs.node[has_cap]]])
    row_ub = np.concatenate(
        [
            forecast.units.reshape(-1)[dem_key],
            stock.reshape(-1)[st_key] + SLACK_UNITS,
            cap_left[capped] + SLACK_UNITS,
        ]
    )
    return _Lp(
        obj=arcs.cost - unfilled,
        ub=np.full(n_x, np.inf),
        integer=np.zeros(n_x, dtype=np.bool_),
        offset=float(unfilled * forecast.units.sum()),
        row_ub=row_ub,
        coo_row=coo_row.astype(np.int64),
        coo_col=np.concatenate([cols, cols, cols[has_cap]]),
        coo_val=np.ones(len(coo_row)),
        stock_keys=st_key,
        stock_rows=r1 + np.arange(len(st_key)),
        cap_nodes=capped,
        cap_rows=r2 + np.arange(len(capped)),
    )


def _solve_duals(lp: _Lp, time_limit_s: float) -> tuple[F64 | None, bool]:
    solution = wave_mathopt.solve(wave_mathopt.to_proto(lp, "lookahead"), SOLVER, time_limit_s)
    return solution.duals, solution.optimal


def steering_settings(settings: Settings, unit_price: F64) -> Settings:
    """The settings to source with under prices: the unfilled penalty raised by the largest
    price, so that prices steer which nodes serve an order but never leave a unit unfilled that
    the online policy would fill. Left unfilled for a forecast, a unit is lost when the forecast
    demand does not come; on black-friday-fr, a first prototype with full prices and without
    this left 11 more units unfilled than the online policy; with it, 28 fewer."""
    top = float(unit_price.max()) if unit_price.size else 0.0
    return replace(settings, unfilled_penalty=settings.unfilled_penalty + max(top, 0.0))


# A problem file has no clock: `plan_static` re-prices this many times over the file.
PLAN_PRICINGS = 24


def units_per_order(lines: DemandLines) -> float:
    """The forecast's mean units per order: a shipment's cost is spread over them."""
    return float(lines.units.sum() / lines.orders) if lines.orders > 0 else 1.0


def prices_after(
    nodes: Nodes,
    settings: Settings,
    stock: I64,
    cap_left: I64,
    enabled: B,
    lines: DemandLines,
    t_s: float,
) -> Prices:
    """The opportunity costs for the demand `lines` forecast after time of day `t_s`, a
    shipment's cost spread over their mean units per order: what the replay, a problem file's
    plan and the service's refresh each price with."""
    return opportunity_costs(
        nodes,
        settings,
        stock,
        cap_left,
        enabled,
        lines.after(t_s),
        units_per_shipment=units_per_order(lines),
    )


def plan_static(
    problem: Problem,
    source_range: PricedRange,
    name: str,
    progress: Callable[[int], None] | None,
) -> Plan:
    """A problem file's orders in file order, the order's position standing for its time: the
    demand still to come is the file's own later orders."""
    started = time.perf_counter()
    o = problem.orders
    n = len(o)
    lines = demand_lines(o, np.arange(n, dtype=np.float64), problem.nodes, len(problem.sku_ids))
    stock, cap = problem.stock.copy(), problem.nodes.capacity.copy()
    enabled = np.ones(len(problem.nodes), dtype=np.bool_)
    cuts = sorted({*np.linspace(0, n, PLAN_PRICINGS + 1).astype(np.int64).tolist()})
    pieces: list[Allocations] = []
    for first, end in itertools.pairwise(cuts):
        if end <= first:
            continue
        prices = prices_after(
            problem.nodes, problem.settings, stock, cap, enabled, lines, float(first)
        )
        pieces.append(source_range(problem, stock, cap, first, end, progress, prices.unit))
    alloc = Allocations.concat(pieces)
    return make_plan(
        problem,
        alloc,
        status="heuristic",
        mode="online",
        elapsed_s=time.perf_counter() - started,
        extra={"strategy": name},
    )
