"""The hindsight optimum: the whole day known in advance, honouring receipts, outages and capacity
changes in time, checked against every plan of small days and against the strategies' runs."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from oms.replay.bound import day_bound, relaxed_problem
from oms.replay.day import Day, build_day
from oms.replay.hindsight import day_hindsight, keeps_time, time_windows
from oms.replay.report import kpis_csv, report_html
from oms.replay.runner import ReplayOptions, replay_day
from oms.replay.scenario_types import CapacityChange, Outage, Receipt, Recovery
from oms.replay.simulate import run_strategy
from oms.sourcing import cost
from oms.sourcing import wave_decompose as wd
from oms.sourcing import wave_mathopt as mo
from oms.sourcing import wave_model as wm
from oms.sourcing.contract import NO_LIMIT, Allocations
from oms.sourcing.registry import STRATEGY_NAMES, OnlineStrategy, get
from oms.sourcing.wave import solve_wave
from tests.unit.test_replay_fixtures import TINY_NODES, small, tiny

EPS = 1e-6
DC_PARIS = {
    **TINY_NODES[0],
    "id": "DC-PARIS",
    "lat": 48.95,
    "lon": 2.55,
    "capacity_units": None,
    "shipment_cost": 5.0,
}
# Lyon holds A and B; Paris's warehouse receives A at 10:00; the store holds one of each and ships
# 2 units a day until a cut to 1 at 12:00; Lyon is down from 11:00 to 13:00.
INVENTORY = [
    {"node": "DC-LYON", "sku": "SKU-A", "qty": 2},
    {"node": "DC-LYON", "sku": "SKU-B", "qty": 2},
    {"node": "DC-PARIS", "sku": "SKU-B", "qty": 1},
    {"node": "ST-PARIS", "sku": "SKU-A", "qty": 2},
    {"node": "ST-PARIS", "sku": "SKU-B", "qty": 1},
]
EVENTS = [
    {"at": "10:00", "type": "receipt", "node": "DC-PARIS", "sku": "SKU-A", "qty": 2},
    {"at": "11:00", "type": "outage", "node": "DC-LYON"},
    {"at": "12:00", "type": "capacity", "node": "ST-PARIS", "capacity_units": 1},
    {"at": "13:00", "type": "recovery", "node": "DC-LYON"},
]
TIMES = ["08:00", "09:30", "10:00", "10:30", "11:30", "12:00", "12:30", "14:00"]
PLACES = [("48.85", "2.35"), ("45.76", "4.84"), ("48.80", "2.30")]


def small_day(tmp_path: Path, seed: int) -> Day:
    """Five orders at random times (some at an event's time), one to three units each."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, t in enumerate(sorted(rng.choice(TIMES, size=5, replace=False))):
        oid = f"O-{k + 1}"
        lat, lon = PLACES[rng.integers(len(PLACES))]
        pickup = rng.random() < 0.5
        kind, node = ("pickup", "ST-PARIS") if pickup else ("ship", "")
        skus = ["SKU-A", "SKU-B"][: 1 + int(rng.random() < 0.3)]
        for j, sku in enumerate(skus):
            qty = str(1 + int(rng.random() < 0.3))
            rows.append([oid, t, lat, lon, kind, node, "2", f"{oid}-{j + 1}", sku, qty])
    nodes = [dict(TINY_NODES[0]), DC_PARIS, {**TINY_NODES[1], "capacity_units": 2}]
    network = {
        "settings": {"split_penalty": 1.5, "unfilled_penalty": 100.0, "allow_transfers": True},
        "nodes": nodes,
        "inventory": INVENTORY,
    }
    return build_day(tiny(tmp_path, rows, network=network, events=EVENTS))


# ---------------------------------------------------------------- the exhaustive reference


Rows = tuple[tuple[int, int, int, int], ...]  # one order's (order, line, node, qty)


def time_respecting_plans(day: Day) -> Iterator[list[Rows]]:
    """Every plan the day allows when orders are taken in arrival order against the network as
    the events leave it (events at a time first), with the simulator's capacity rule: a day's
    capacity, less what was taken, never below 0."""
    p = day.problem
    stock = p.stock.copy()
    capacity = [int(c) for c in p.nodes.capacity]
    used = [0] * len(p.nodes)
    up = [True] * len(p.nodes)
    events = list(day.scenario.events)
    plan: list[Rows] = []

    def apply_until(t: float, k: int) -> int:
        while k < len(events) and events[k].at_s <= t:
            match events[k]:
                case Receipt(node=n, sku=s, qty=q):
                    stock[s, n] += q
                case Outage(nodes=nodes):
                    for n in nodes:
                        up[n] = False
                case Recovery(nodes=nodes):
                    for n in nodes:
                        up[n] = True
                case CapacityChange(nodes=nodes, capacity=c):
                    for n in nodes:
                        capacity[n] = NO_LIMIT if c is None else c
            k += 1
        return k

    def visit(order: int, k: int) -> Iterator[list[Rows]]:
        if order == len(p.orders):
            yield plan
            return
        saved = (stock.copy(), list(capacity), list(used), list(up))
        k = apply_until(float(day.arrival_s[order]), k)
        nodes = [n for n in np.flatnonzero(cost.eligible_nodes(p, order)) if up[n]]
        lines = list(p.orders.lines_of(order))
        for split in itertools.product(
            *(splits(int(p.orders.line_qty[ln]), nodes) for ln in lines)
        ):
            mine = tuple(
                (order, ln, n, q) for ln, parts in zip(lines, split, strict=True) for n, q in parts
            )
            if fits(mine):
                take(mine, +1)
                plan.append(mine)
                yield from visit(order + 1, k)
                plan.pop()
                take(mine, -1)
        stock[:], capacity[:], used[:], up[:] = saved

    def fits(mine: Rows) -> bool:
        if mine and len({n for _, _, n, _ in mine}) > int(p.orders.max_shipments[mine[0][0]]):
            return False
        need: dict[tuple[int, int], int] = {}
        load: dict[int, int] = {}
        for _, ln, n, q in mine:
            key = (int(p.orders.line_sku[ln]), n)
            need[key] = need.get(key, 0) + q
            load[n] = load.get(n, 0) + q
        if any(stock[s, n] < q for (s, n), q in need.items()):
            return False
        return all(q <= max(capacity[n] - used[n], 0) for n, q in load.items())

    def take(mine: Rows, sign: int) -> None:
        for _, ln, n, q in mine:
            stock[int(p.orders.line_sku[ln]), n] -= sign * q
            used[n] += sign * q

    return visit(0, 0)


def splits(qty: int, nodes: list[int]) -> list[list[tuple[int, int]]]:
    """Every way to take at most `qty` units of a line from `nodes` (whole units)."""
    out = []
    for counts in itertools.product(range(qty + 1), repeat=len(nodes)):
        if sum(counts) <= qty:
            out.append([(int(n), c) for n, c in zip(nodes, counts, strict=True) if c])
    return out


def exhaustive_optimum(day: Day) -> float:
    """The cheapest plan. The contract's cost is a sum over orders, so a plan costs the empty
    plan's cost plus each order's own allocations' marginal cost (each priced once)."""
    p = day.problem
    empty = cost.evaluate(p, Allocations.empty()).cost.total
    memo: dict[Rows, float] = {}

    def marginal(rows: Rows) -> float:
        if rows not in memo:
            cols = np.array(rows, dtype=np.int64).reshape(-1, 4).T
            alloc = Allocations(*(np.ascontiguousarray(c) for c in cols))
            memo[rows] = cost.evaluate(p, alloc).cost.total - empty
        return memo[rows]

    return min(empty + sum(marginal(r) for r in plan) for plan in time_respecting_plans(day))


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", range(8))
def test_the_hindsight_optimum_of_a_small_day_is_the_best_plan_that_honours_time(
    tmp_path: Path, seed: int
) -> None:
    day = small_day(tmp_path, seed)
    best = exhaustive_optimum(day)
    h = day_hindsight(day, time_limit_s=10.0)
    assert h.proven
    assert h.cost == pytest.approx(best, abs=EPS)
    assert h.bound <= h.cost + EPS
    assert keeps_time(day, h.allocations)


def test_time_costs_something_on_some_small_days(tmp_path: Path) -> None:
    """The rules bind: on some of the small days above the hindsight optimum is above the relaxed
    optimum (every receipt from the start, the highest capacity, no outage)."""
    above = []
    for seed in range(8):
        day = small_day(tmp_path, seed)
        relaxed = solve_wave(relaxed_problem(day), 10.0).cost.total
        above.append(day_hindsight(day, 10.0).cost > relaxed + EPS)
    assert sum(above) >= 2


def test_every_online_strategy_keeps_times_rules_on_a_generated_day() -> None:
    day = build_day(small())
    for name in STRATEGY_NAMES:
        if isinstance(get(name), OnlineStrategy):
            run = run_strategy(day, name, wave_period_s=0.0, wave_time_limit_s=0.0, progress=print)
            assert keeps_time(day, run.allocations), name


def test_the_hindsight_optimum_lies_between_the_relaxed_bound_and_online() -> None:
    day = build_day(small())
    result = replay_day(
        day, ReplayOptions(("online",), bound_time_limit_s=20.0, hindsight_time_limit_s=10.0)
    )
    h, bound = result.hindsight, result.bound
    assert h is not None and bound is not None
    online = result.strategies[0].kpis
    assert h.proven  # a small day: SCIP proves it well within the limit
    assert bound.value <= h.bound + EPS and h.bound <= h.cost + EPS
    assert online["total_cost"] is not None and h.cost <= online["total_cost"] + EPS
    gap = online["gap_to_hindsight"]
    assert gap is not None and math.isclose(
        gap, (online["total_cost"] - h.cost) / h.cost, rel_tol=1e-9
    )
    assert online["hindsight_cost"] == h.cost and online["hindsight_bound"] == h.bound


def test_a_replay_without_the_hindsight_optimum_leaves_its_columns_empty() -> None:
    day = build_day(small(60))
    options = ReplayOptions(("online",), with_bound=False, with_hindsight=False)
    result = replay_day(day, options)
    assert result.hindsight is None
    assert result.strategies[0].kpis["gap_to_hindsight"] is None


def test_the_relaxed_bound_bounds_the_hindsight_optimum_too() -> None:
    day = build_day(small(60))
    bound = day_bound(day, 10.0)
    h = day_hindsight(day, 10.0)
    assert bound.value <= h.cost + EPS


def test_kpis_csv_and_the_report_show_the_hindsight_optimum_beside_the_relaxed_bound() -> None:
    result = replay_day(build_day(small(60)), ReplayOptions(("online", "wave")))
    h = result.hindsight
    assert h is not None
    header, *rows = kpis_csv(result).splitlines()
    columns = header.split(",")
    for key in ("lower_bound", "gap_to_bound", "hindsight_cost", "hindsight_bound"):
        assert key in columns
    gap = columns.index("gap_to_hindsight")
    assert all(row.split(",")[gap] != "" for row in rows)
    plots = {"cost": "cost.png", "splits": "s.png", "over_time": "t.png", "map": "m.png"}
    page = report_html(result, plots)
    assert f"Hindsight optimum: <b>{h.cost:,.2f}</b>" in page
    assert f"proven bound <b>{h.bound:,.2f}</b>" in page and "Lower bound: <b>" in page
    assert "online " in page.split("Gap to the hindsight optimum:")[1]


@pytest.mark.parametrize("seed", range(8))
def test_the_lagrangian_bound_with_times_rules_priced_never_exceeds_the_optimum(
    tmp_path: Path, seed: int
) -> None:
    day = small_day(tmp_path, seed)
    best = exhaustive_optimum(day)
    d = wm.build_data(relaxed_problem(day), time_windows(day))
    # Around the LP's own prices the bound is close to the optimum, where a wrong term shows.
    m = wm.build_model(d, np.ones(d.n_blocks, dtype=np.bool_), relax=True)
    lp = mo.solve(mo.to_proto(m), "highs", 10.0)
    assert lp.duals is not None
    duals = wd.lp_multipliers(d, m, lp.duals)
    rng = np.random.default_rng(seed)
    for _ in range(40):
        w = wd.Multipliers(
            *(
                p * rng.uniform(0.0, 2.0, len(p)) + rng.exponential(1.0, len(p)) * (p == 0)
                for p in (duals.line, duals.stock, duals.cap, duals.side)
            )
        )
        assert wd.lagrangian_bound(d, w)[0] <= best + EPS
        # The side rows priced high: their own terms must pay for the units they forbid.
        side = rng.exponential(100.0, d.side.n_rows) * (rng.random(d.side.n_rows) < 0.5)
        w = wd.Multipliers(duals.line, duals.stock, duals.cap, side)
        assert wd.lagrangian_bound(d, w)[0] <= best + EPS


@pytest.mark.parametrize("seed", range(8))
def test_the_decomposition_keeps_times_rules_and_bounds_below_the_optimum(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = small_day(tmp_path, seed)
    best = exhaustive_optimum(day)
    monkeypatch.setattr(wd, "FULL_MIP_PAIRS", 0)  # column generation, rounding, restricted MIP
    h = day_hindsight(day, time_limit_s=5.0, plans={"online": Allocations.empty()})
    assert keeps_time(day, h.allocations)
    assert h.cost >= best - EPS and h.bound <= best + EPS
