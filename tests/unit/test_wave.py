"""Wave optimisation: exact on small waves, sound bounds, feasible plans, never worse than a start.

The reference is a brute-force enumerator over every allocation of tiny problems, priced by
`cost.evaluate` and checked by `cost.violations`: nothing of the optimiser's model is reused.
"""

from __future__ import annotations

import itertools
import math
import time
from functools import cache

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from oms.sourcing import cost
from oms.sourcing import wave_decompose as wd
from oms.sourcing import wave_model as wm
from oms.sourcing.contract import Allocations, Plan, Problem, parse_problem
from oms.sourcing.demo import generate_wave_problem
from oms.sourcing.online import source_online
from oms.sourcing.registry import plan_with
from oms.sourcing.wave import counting_bound, reoptimise, solve_wave
from tests.problems import problems, random_problem, random_problem_dict

TINY = {"max_nodes": 4, "max_orders": 4, "n_skus": 2, "max_lines": 2, "max_qty": 2, "max_stock": 2}
MAX_PLANS = 3_000  # enumerations beyond this are skipped (hypothesis draws another problem)
EPS = 1e-6


# ---------------------------------------------------------------- the exhaustive reference


def line_options(p: Problem, line: int) -> list[list[tuple[int, int]]]:
    """Every way to take whole units of one line: [(node, qty), ...] with sum <= the line's qty."""
    o = p.orders
    order, sku, q = int(o.line_order[line]), int(o.line_sku[line]), int(o.line_qty[line])
    nodes = [n for n in np.nonzero(cost.eligible_nodes(p, order))[0] if p.stock[sku, n] > 0]
    ranges = [range(min(q, int(p.stock[sku, n])) + 1) for n in nodes]
    return [
        [(int(n), k) for n, k in zip(nodes, ks, strict=True) if k]
        for ks in itertools.product(*ranges)
        if sum(ks) <= q
    ]


def plan_count(p: Problem) -> int:
    return math.prod(len(line_options(p, li)) for li in range(len(p.orders.line_qty)))


def all_feasible_plans(p: Problem) -> list[tuple[float, Allocations]]:
    """(cost, allocations) of every feasible plan."""
    o = p.orders
    out = []
    per_line = [line_options(p, li) for li in range(len(o.line_qty))]
    for choice in itertools.product(*per_line):
        rows = [
            (int(o.line_order[li]), li, n, k) for li, picks in enumerate(choice) for n, k in picks
        ]
        alloc = Allocations.from_rows(rows)
        if not cost.violations(p, alloc):
            out.append((cost.evaluate(p, alloc).cost.total, alloc))
    return out


def exhaustive_optimum(p: Problem) -> float:
    return min(c for c, _ in all_feasible_plans(p))


@st.composite
def tiny(draw: st.DrawFn) -> Problem:
    """Problems small enough to enumerate every plan."""
    p = draw(problems(**TINY))
    assume(plan_count(p) <= MAX_PLANS)
    return p


def check_plan(p: Problem, plan: Plan) -> None:
    """Feasible, priced by the one cost function, with a bound below its cost."""
    assert cost.violations(p, plan.allocations) == []
    assert plan.cost == cost.evaluate(p, plan.allocations).cost
    assert plan.mode == "wave"
    assert plan.lower_bound is not None
    assert plan.lower_bound <= plan.cost.total + EPS


# ---------------------------------------------------------------- exactness and bounds


@settings(max_examples=100)
@given(tiny())
def test_on_small_random_waves_the_plan_is_an_exhaustive_optimum(p: Problem) -> None:
    best = exhaustive_optimum(p)
    plan = solve_wave(p, time_limit=10)
    check_plan(p, plan)
    assert plan.cost.total == pytest.approx(best, abs=EPS)
    assert plan.status == "optimal"
    assert plan.lower_bound is not None and plan.lower_bound <= best + EPS


@settings(max_examples=60)
@given(tiny())
def test_the_decomposition_path_keeps_plans_feasible_and_bounds_below_the_optimum(
    p: Problem,
) -> None:
    """Column generation, LP rounding, the MIP over R and LNS, forced on problems small enough to
    enumerate."""
    best = exhaustive_optimum(p)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(wd, "FULL_MIP_PAIRS", -1)
        mp.setattr(wd, "INITIAL_BLOCKS", 1)  # so that pricing has blocks to add
        mp.setattr(wd, "LNS_MIN_S", 0.5)  # at most a few LNS moves
        plan = solve_wave(p, time_limit=1.0)
    check_plan(p, plan)
    assert plan.cost.total >= best - EPS
    assert plan.lower_bound is not None and plan.lower_bound <= best + EPS


@settings(max_examples=30)
@given(tiny(), st.integers(0, 2**32 - 1))
def test_the_lagrangian_bound_holds_for_any_prices_and_any_forced_block(
    p: Problem, seed: int
) -> None:
    d = wm.build_data(p)
    rng = np.random.default_rng(seed)
    w = wd.Multipliers(
        rng.exponential(30.0, len(d.line_qty)) * (rng.random(len(d.line_qty)) < 0.7),
        rng.exponential(5.0, len(d.stock_flat)) * (rng.random(len(d.stock_flat)) < 0.5),
        rng.exponential(5.0, d.n_nodes) * (rng.random(d.n_nodes) < 0.5),
    )
    bound, forced = wd.lagrangian_bound(d, w)
    plans = all_feasible_plans(p)
    assert bound <= min(c for c, _ in plans) + EPS
    for c, alloc in plans:  # a plan shipping from block b costs at least forced[b]
        qty = wm.alloc_to_qty(d, alloc)
        assert qty is not None
        used = wm.used_blocks(d, qty)
        assert np.all(forced[used] <= c + EPS)


@settings(max_examples=30)
@given(tiny())
def test_the_solver_free_counting_bound_never_exceeds_the_optimum(p: Problem) -> None:
    assert counting_bound(p) <= exhaustive_optimum(p) + EPS


@settings(max_examples=25)
@given(problems(max_nodes=6, max_orders=8, n_skus=4, max_lines=3, max_qty=3, max_stock=4))
def test_plans_are_feasible_and_never_worse_than_the_online_plan(p: Problem) -> None:
    plan = solve_wave(p, time_limit=5)
    check_plan(p, plan)
    assert plan.cost.total <= source_online(p).cost.total + EPS
    for name in ("priority", "nearest", "fewest-splits"):
        assert plan.cost.total <= plan_with(p, name).cost.total + EPS


# ---------------------------------------------------------------- starts, edge cases, limits


@settings(max_examples=15)
@given(problems(max_nodes=5, max_orders=6, n_skus=3))
def test_the_result_is_never_worse_than_the_start_plan(p: Problem) -> None:
    start = plan_with(p, "nearest")
    plan = solve_wave(p, time_limit=5, start=start.allocations)
    check_plan(p, plan)
    assert plan.cost.total <= start.cost.total + EPS


def test_a_wave_with_no_stock_at_all_leaves_everything_unfilled_without_error() -> None:
    data = random_problem_dict(3, n_nodes=4, n_orders=5)
    data["inventory"] = []
    p = parse_problem(data)
    plan = solve_wave(p, time_limit=5)
    check_plan(p, plan)
    assert len(plan.allocations) == 0
    assert np.array_equal(plan.unfilled_qty, p.orders.line_qty)
    assert plan.status == "optimal"


def test_a_problem_without_orders_gives_an_empty_optimal_plan() -> None:
    data = random_problem_dict(4)
    data["orders"] = []
    p = parse_problem(data)
    plan = solve_wave(p, time_limit=5)
    check_plan(p, plan)
    assert len(plan.allocations) == 0
    assert plan.cost.total == 0.0
    assert plan.status == "optimal"


@cache
def big_wave() -> Problem:
    return parse_problem(generate_wave_problem(5, n_nodes=120, n_orders=4_000, n_skus=1_000))


def test_the_time_limit_is_honoured_on_a_big_wave() -> None:
    p = big_wave()
    source_online(p)  # compile the online kernels outside the timed call
    started = time.perf_counter()
    plan = solve_wave(p, time_limit=2.0)
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0
    check_plan(p, plan)
    assert plan.cost.total <= source_online(p).cost.total + EPS


def test_a_medium_wave_is_solved_close_to_its_lp_bound() -> None:
    p = parse_problem(generate_wave_problem(7, n_nodes=40, n_orders=600, n_skus=300))
    plan = solve_wave(p, time_limit=6.0)
    check_plan(p, plan)
    assert plan.extra["search"]["method"] == "cg+lns"
    assert plan.lower_bound is not None
    assert plan.cost.total <= 1.01 * plan.lower_bound
    assert plan.cost.total < source_online(p).cost.total


@settings(max_examples=15)
@given(problems(max_nodes=5, max_orders=6, n_skus=3))
def test_reoptimise_never_makes_a_plan_worse_and_reports_the_saving(p: Problem) -> None:
    current = plan_with(p, "priority")
    plan, saving = reoptimise(p, current.allocations, time_limit=5)
    check_plan(p, plan)
    assert saving >= 0.0
    assert saving == pytest.approx(current.cost.total - plan.cost.total, abs=EPS)


def test_reoptimise_of_an_optimal_plan_saves_nothing() -> None:
    p = random_problem(11, n_nodes=4, n_orders=4)
    best = solve_wave(p, time_limit=5)
    plan, saving = reoptimise(p, best.allocations, time_limit=5)
    assert saving == pytest.approx(0.0, abs=EPS)
    assert plan.cost.total == pytest.approx(best.cost.total, abs=EPS)
