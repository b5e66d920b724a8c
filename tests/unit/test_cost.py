"""The contract's cost function and constraints (DESIGN.md section 3) on hand-computed examples.

Distances come from `great_circle_km` below: the angle between the two points' unit vectors on a
sphere of radius 6371 km, computed with `math` only (chord length -> central angle), so it does
not share the haversine formula with the code under test. It is checked against the published
Paris-Lyon distance (about 391.5 km) first.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.domain.geo import haversine_km
from oms.sourcing import cost
from oms.sourcing.contract import Allocations, CostBreakdown, Problem, parse_problem
from oms.sourcing.cost import evaluate, make_plan, violations
from tests.problems import problems

# ---------------------------------------------------------------- reference geometry

R_EARTH = 6371.0
PARIS = (48.8566, 2.3522)  # every ship order's customer unless told otherwise
LYON = (45.764, 4.8357)
MARSEILLE = (43.2965, 5.3698)
GRENOBLE = (45.1885, 5.7245)
VERSAILLES = (48.8049, 2.1204)


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance from the chord between unit vectors: 2 R asin(chord / 2)."""

    def unit(p: tuple[float, float]) -> tuple[float, float, float]:
        lat, lon = math.radians(p[0]), math.radians(p[1])
        return (math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat))

    chord = math.dist(unit(a), unit(b))
    return 2.0 * R_EARTH * math.asin(min(1.0, chord / 2.0))


D_LYON_PARIS = great_circle_km(LYON, PARIS)  # 391.499 km
D_MARSEILLE_PARIS = great_circle_km(MARSEILLE, PARIS)  # 660.478 km
D_VERSAILLES_PARIS = great_circle_km(VERSAILLES, PARIS)  # 17.915 km
D_LYON_GRENOBLE = great_circle_km(LYON, GRENOBLE)  # 94.326 km


# ---------------------------------------------------------------- builders


def node(
    nid: str,
    at: tuple[float, float],
    *,
    handling: float,
    base: float,
    per_km: float,
    ship: bool = True,
    pickup: bool = False,
    capacity: int | None = None,
) -> dict[str, Any]:
    return {
        "id": nid,
        "kind": "store" if pickup else "warehouse",
        "lat": at[0],
        "lon": at[1],
        "can_ship": ship,
        "can_pickup": pickup,
        "capacity_units": capacity,
        "handling_cost": handling,
        "shipment_cost": base,
        "cost_per_km": per_km,
    }


# Handling / shipment base cost / cost per km, chosen to tell the nodes apart in a total.
NODES = [
    node("DC-LYON", LYON, handling=0.35, base=4.5, per_km=0.006),
    node("DC-MRS", MARSEILLE, handling=0.5, base=3.0, per_km=0.01),
    node("ST-VER", VERSAILLES, handling=0.2, base=2.0, per_km=0.02, pickup=True),
    node("ST-GRE", GRENOBLE, handling=0.25, base=6.0, per_km=0.05, ship=False, pickup=True),
]
NODE_IDS = [n["id"] for n in NODES]


def order(
    oid: str,
    *lines: tuple[str, int],
    at: tuple[float, float] = PARIS,
    pickup: str | None = None,
    max_shipments: int | None = None,
) -> dict[str, Any]:
    """Line j (from 1) of order "O-1" is "O-1-j"."""
    return {
        "id": oid,
        "lat": at[0],
        "lon": at[1],
        "delivery": "pickup" if pickup else "ship",
        "pickup_node": pickup,
        "max_shipments": max_shipments,
        "lines": [{"id": f"{oid}-{j + 1}", "sku": s, "qty": q} for j, (s, q) in enumerate(lines)],
    }


def problem(
    *orders: dict[str, Any],
    stock: dict[tuple[str, str], int] | None = None,
    capacity: dict[str, int] | None = None,
    split: float = 1.5,
    unfilled: float = 100.0,
    transfers: bool = True,
) -> Problem:
    """NODES with `capacity` overrides; 10 of SKU-A and SKU-B everywhere unless `stock` is given."""
    if stock is None:
        stock = {(n, s): 10 for n in NODE_IDS for s in ("SKU-A", "SKU-B")}
    nodes = [dict(n, capacity_units=(capacity or {}).get(n["id"])) for n in NODES]
    return parse_problem(
        {
            "version": 1,
            "settings": {
                "split_penalty": split,
                "unfilled_penalty": unfilled,
                "allow_transfers": transfers,
            },
            "nodes": nodes,
            "inventory": [{"node": n, "sku": s, "qty": q} for (n, s), q in stock.items()],
            "orders": list(orders),
        }
    )


def alloc(p: Problem, *rows: tuple[str, str, str, int]) -> Allocations:
    """Allocations from (order id, line id, node id, qty) rows; any qty, even 0 or negative."""
    o = p.orders
    out = []
    for oid, lid, nid, qty in rows:
        oi = o.ids.index(oid)
        li = next(k for k in o.lines_of(oi) if o.line_ids[k] == lid)
        out.append((oi, li, p.nodes.index[nid], qty))
    return Allocations.from_rows(out)


def parts_sum(c: CostBreakdown) -> float:
    return c.shipping + c.handling + c.split + c.unfilled


# ---------------------------------------------------------------- the reference distance


def test_the_reference_distance_from_paris_to_lyon_is_about_391_5_km() -> None:
    assert abs(D_LYON_PARIS - 391.5) < 0.05


def test_haversine_agrees_with_the_reference_distance() -> None:
    for a, b in [(LYON, PARIS), (MARSEILLE, PARIS), (VERSAILLES, PARIS), (LYON, GRENOBLE)]:
        assert float(haversine_km(a[0], a[1], b[0], b[1])) == pytest.approx(
            great_circle_km(a, b), rel=1e-12
        )


def test_haversine_works_on_arrays() -> None:
    lat1, lon1 = np.array([LYON[0], MARSEILLE[0]]), np.array([LYON[1], MARSEILLE[1]])
    lat2, lon2 = np.full(2, PARIS[0]), np.full(2, PARIS[1])
    assert haversine_km(lat1, lon1, lat2, lon2).tolist() == pytest.approx(
        [D_LYON_PARIS, D_MARSEILLE_PARIS], rel=1e-12
    )


def test_haversine_of_antipodes_is_half_the_circumference() -> None:
    assert float(haversine_km(0.0, 0.0, 0.0, 180.0)) == pytest.approx(math.pi * R_EARTH)
    assert float(haversine_km(90.0, 0.0, -90.0, 0.0)) == pytest.approx(math.pi * R_EARTH)


latitudes = st.floats(-90.0, 90.0, allow_nan=False)
longitudes = st.floats(-180.0, 180.0, allow_nan=False)


@settings(max_examples=300)
@given(lat1=latitudes, lon1=longitudes, lat2=latitudes, lon2=longitudes)
def test_haversine_is_symmetric_zero_on_a_point_and_within_half_the_circumference(
    lat1: float, lon1: float, lat2: float, lon2: float
) -> None:
    d = float(haversine_km(lat1, lon1, lat2, lon2))
    assert d == pytest.approx(float(haversine_km(lat2, lon2, lat1, lon1)), abs=1e-9)
    assert float(haversine_km(lat1, lon1, lat1, lon1)) == 0.0
    assert 0.0 <= d <= math.pi * R_EARTH
    assert d == pytest.approx(great_circle_km((lat1, lon1), (lat2, lon2)), abs=0.05)


# ---------------------------------------------------------------- scalar rules


def test_shipment_cost_is_base_plus_per_km_times_distance() -> None:
    assert cost.shipment_cost(4.5, 0.006, 100.0, 0) == pytest.approx(4.5 + 0.6)
    assert cost.shipment_cost(4.5, 0.006, 100.0, False) == pytest.approx(5.1)


def test_shipment_cost_is_zero_when_free() -> None:
    assert cost.shipment_cost(4.5, 0.006, 100.0, 1) == 0.0
    assert cost.shipment_cost(4.5, 0.006, 100.0, True) == 0.0


def test_shipment_cost_works_on_arrays() -> None:
    out = cost.shipment_cost(
        np.array([1.0, 2.0]), np.array([0.1, 0.5]), np.array([10.0, 4.0]), np.array([0.0, 1.0])
    )
    assert out.tolist() == pytest.approx([2.0, 0.0])


def test_split_cost_charges_each_shipment_beyond_the_first() -> None:
    assert cost.split_cost(0, 1.5) == 0.0  # an order not served at all
    assert cost.split_cost(1, 1.5) == 0.0
    assert cost.split_cost(2, 1.5) == 1.5
    assert cost.split_cost(4, 1.5) == 4.5
    assert cost.split_cost(np.array([0, 1, 2, 3]), 2.0).tolist() == [0.0, 0.0, 2.0, 4.0]


def test_unfilled_cost_is_the_penalty_per_unit() -> None:
    assert cost.unfilled_cost(3, 100.0) == 300.0
    assert cost.unfilled_cost(0, 100.0) == 0.0
    assert cost.unfilled_cost(np.array([0, 2]), 7.5).tolist() == [0.0, 15.0]


def _eligible_by_the_book(ship: bool, pickup: bool, own: bool, transfers: bool) -> bool:
    if not pickup:
        return ship
    return own or (ship and transfers)


FLAGS = [
    (a, b, c, d)
    for a in (False, True)
    for b in (False, True)
    for c in (False, True)
    for d in (False, True)
]


@pytest.mark.parametrize(("ship", "pickup", "own", "transfers"), FLAGS)
def test_is_eligible_follows_the_contract_on_python_and_numpy_booleans(
    ship: bool, pickup: bool, own: bool, transfers: bool
) -> None:
    expected = _eligible_by_the_book(ship, pickup, own, transfers)
    assert bool(cost.is_eligible(ship, pickup, own, transfers)) is expected
    np_flags = (np.bool_(ship), np.bool_(pickup), np.bool_(own), np.bool_(transfers))
    assert bool(cost.is_eligible(*np_flags)) is expected


def test_is_eligible_works_on_arrays() -> None:
    cols = [np.array(c, dtype=np.bool_) for c in zip(*FLAGS, strict=True)]
    expected = [_eligible_by_the_book(*f) for f in FLAGS]
    assert cost.is_eligible(*cols).tolist() == expected


# ---------------------------------------------------------------- hand-computed plans


def test_a_single_shipment_costs_its_shipment_and_handling() -> None:
    p = problem(order("O-1", ("SKU-A", 2)))
    r = evaluate(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 2)))
    shipping = 4.5 + 0.006 * D_LYON_PARIS  # 4.5 + 0.006 * 391.499 = 6.849
    handling = 2 * 0.35
    assert r.cost.shipping == pytest.approx(shipping, rel=1e-12)
    assert r.cost.shipping == pytest.approx(6.849, abs=1e-3)
    assert r.cost.handling == pytest.approx(handling)
    assert (r.cost.split, r.cost.unfilled) == (0.0, 0.0)
    assert r.cost.total == pytest.approx(shipping + handling, rel=1e-12)  # 7.549
    assert r.shipments.tolist() == [1]
    assert r.unfilled_qty.tolist() == [0]


def test_two_lines_from_one_node_are_one_shipment() -> None:
    p = problem(order("O-1", ("SKU-A", 1), ("SKU-B", 3)))
    r = evaluate(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 1), ("O-1", "O-1-2", "DC-LYON", 3)))
    assert r.cost.shipping == pytest.approx(4.5 + 0.006 * D_LYON_PARIS, rel=1e-12)
    assert r.cost.handling == pytest.approx(4 * 0.35)
    assert r.cost.split == 0.0
    assert r.shipments.tolist() == [1]


def test_an_order_split_over_two_nodes_pays_the_split_penalty_once() -> None:
    p = problem(order("O-1", ("SKU-A", 3)))
    r = evaluate(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-1", "O-1-1", "DC-MRS", 1)))
    shipping = (4.5 + 0.006 * D_LYON_PARIS) + (3.0 + 0.01 * D_MARSEILLE_PARIS)  # 6.849 + 9.605
    handling = 2 * 0.35 + 1 * 0.5
    split = 1.5 * (2 - 1)
    assert r.cost.shipping == pytest.approx(shipping, rel=1e-12)
    assert r.cost.shipping == pytest.approx(16.454, abs=1e-3)
    assert r.cost.handling == pytest.approx(handling)
    assert r.cost.split == pytest.approx(split)
    assert r.cost.unfilled == 0.0
    assert r.cost.total == pytest.approx(shipping + handling + split, rel=1e-12)  # 19.154
    assert r.shipments.tolist() == [2]


def test_an_order_split_over_three_nodes_pays_the_split_penalty_twice() -> None:
    p = problem(order("O-1", ("SKU-A", 3), ("SKU-B", 1)))
    r = evaluate(
        p,
        alloc(
            p,
            ("O-1", "O-1-1", "DC-LYON", 2),
            ("O-1", "O-1-1", "DC-MRS", 1),
            ("O-1", "O-1-2", "ST-VER", 1),
        ),
    )
    shipping = (
        (4.5 + 0.006 * D_LYON_PARIS)
        + (3.0 + 0.01 * D_MARSEILLE_PARIS)
        + (2.0 + 0.02 * D_VERSAILLES_PARIS)
    )  # 6.849 + 9.605 + 2.358
    handling = 2 * 0.35 + 1 * 0.5 + 1 * 0.2
    split = 1.5 * (3 - 1)
    assert r.cost.shipping == pytest.approx(shipping, rel=1e-12)
    assert r.cost.shipping == pytest.approx(18.812, abs=1e-3)
    assert r.cost.handling == pytest.approx(handling)
    assert r.cost.split == pytest.approx(3.0)
    assert r.cost.total == pytest.approx(shipping + handling + split, rel=1e-12)
    assert r.shipments.tolist() == [3]


def test_a_pickup_order_collected_at_its_own_pickup_node_ships_for_free() -> None:
    # The order's own address (Paris) plays no part: it is collected in Grenoble.
    p = problem(order("O-P", ("SKU-B", 2), pickup="ST-GRE"))
    r = evaluate(p, alloc(p, ("O-P", "O-P-1", "ST-GRE", 2)))
    assert r.cost.shipping == 0.0
    assert r.cost.handling == pytest.approx(2 * 0.25)
    assert r.cost.total == pytest.approx(0.5)
    assert r.shipments.tolist() == [1]


def test_a_pickup_order_transferred_from_a_dc_ships_to_the_pickup_node() -> None:
    p = problem(order("O-P", ("SKU-B", 2), pickup="ST-GRE"))
    r = evaluate(p, alloc(p, ("O-P", "O-P-1", "DC-LYON", 2)))
    shipping = 4.5 + 0.006 * D_LYON_GRENOBLE  # 4.5 + 0.006 * 94.326 = 5.066, not to Paris
    assert r.cost.shipping == pytest.approx(shipping, rel=1e-12)
    assert r.cost.shipping == pytest.approx(5.066, abs=1e-3)
    assert r.cost.handling == pytest.approx(2 * 0.35)
    assert r.cost.total == pytest.approx(shipping + 0.7, rel=1e-12)


def test_a_pickup_order_partly_transferred_is_two_shipments_one_of_them_free() -> None:
    p = problem(order("O-P", ("SKU-B", 3), pickup="ST-GRE"))
    r = evaluate(p, alloc(p, ("O-P", "O-P-1", "ST-GRE", 2), ("O-P", "O-P-1", "DC-LYON", 1)))
    shipping = 0.0 + (4.5 + 0.006 * D_LYON_GRENOBLE)
    handling = 2 * 0.25 + 1 * 0.35
    assert r.cost.shipping == pytest.approx(shipping, rel=1e-12)
    assert r.cost.handling == pytest.approx(handling)
    assert r.cost.split == pytest.approx(1.5)
    assert r.cost.total == pytest.approx(shipping + handling + 1.5, rel=1e-12)
    assert r.shipments.tolist() == [2]


def test_unfilled_units_are_priced_at_the_unfilled_penalty() -> None:
    p = problem(order("O-1", ("SKU-A", 5), ("SKU-B", 1)), unfilled=40.0)
    r = evaluate(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 2)))
    shipping = 4.5 + 0.006 * D_LYON_PARIS
    handling = 2 * 0.35
    unfilled = 40.0 * (3 + 1)
    assert r.unfilled_qty.tolist() == [3, 1]
    assert r.cost.unfilled == pytest.approx(160.0)
    assert r.cost.total == pytest.approx(shipping + handling + unfilled, rel=1e-12)


def test_two_orders_from_the_same_node_are_two_shipments_without_split_penalty() -> None:
    p = problem(order("O-1", ("SKU-A", 1)), order("O-2", ("SKU-A", 1)))
    r = evaluate(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 1), ("O-2", "O-2-1", "DC-LYON", 1)))
    one = 4.5 + 0.006 * D_LYON_PARIS
    assert r.shipments.tolist() == [1, 1]
    assert r.cost.shipping == pytest.approx(2 * one, rel=1e-12)
    assert r.cost.handling == pytest.approx(2 * 0.35)
    assert r.cost.split == 0.0
    assert r.cost.total == pytest.approx(2 * one + 0.7, rel=1e-12)


def test_a_zero_split_penalty_makes_splitting_free() -> None:
    p = problem(order("O-1", ("SKU-A", 2)), split=0.0)
    r = evaluate(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 1), ("O-1", "O-1-1", "DC-MRS", 1)))
    assert r.cost.split == 0.0
    assert r.shipments.tolist() == [2]


def test_empty_allocations_leave_everything_unfilled() -> None:
    p = problem(order("O-1", ("SKU-A", 2), ("SKU-B", 1)), order("O-2", ("SKU-B", 4)))
    r = evaluate(p, Allocations.empty())
    assert r.unfilled_qty.tolist() == [2, 1, 4]
    assert r.shipments.tolist() == [0, 0]
    assert (r.cost.shipping, r.cost.handling, r.cost.split) == (0.0, 0.0, 0.0)
    assert r.cost.unfilled == pytest.approx(100.0 * (2 + 1 + 4))
    assert r.cost.total == pytest.approx(700.0)


def test_a_zero_quantity_row_is_not_a_shipment() -> None:
    p = problem(order("O-1", ("SKU-A", 1)))
    with_zero = alloc(p, ("O-1", "O-1-1", "DC-LYON", 1), ("O-1", "O-1-1", "DC-MRS", 0))
    r = evaluate(p, with_zero)
    assert r.shipments.tolist() == [1]
    assert r.cost.total == pytest.approx(4.5 + 0.006 * D_LYON_PARIS + 0.35, rel=1e-12)


def test_the_total_is_the_sum_of_its_parts_in_every_example() -> None:
    p = problem(
        order("O-1", ("SKU-A", 3), ("SKU-B", 2)),
        order("O-P", ("SKU-B", 3), pickup="ST-GRE"),
        order("O-3", ("SKU-A", 1)),
    )
    a = alloc(
        p,
        ("O-1", "O-1-1", "DC-LYON", 2),
        ("O-1", "O-1-1", "DC-MRS", 1),
        ("O-1", "O-1-2", "ST-VER", 1),
        ("O-P", "O-P-1", "ST-GRE", 1),
        ("O-P", "O-P-1", "DC-LYON", 1),
    )
    c = evaluate(p, a).cost
    assert c.total == pytest.approx(parts_sum(c), rel=1e-12)
    shipping = (
        (4.5 + 0.006 * D_LYON_PARIS)
        + (3.0 + 0.01 * D_MARSEILLE_PARIS)
        + (2.0 + 0.02 * D_VERSAILLES_PARIS)
        + 0.0
        + (4.5 + 0.006 * D_LYON_GRENOBLE)
    )
    handling = 2 * 0.35 + 0.5 + 0.2 + 0.25 + 0.35
    split = 1.5 * 2 + 1.5 * 1
    unfilled = 100.0 * (1 + 1 + 1)  # O-1-2 short 1, O-P-1 short 1, O-3-1 short 1
    assert (c.shipping, c.handling, c.split, c.unfilled) == pytest.approx(
        (shipping, handling, split, unfilled), rel=1e-12
    )


def test_make_plan_carries_the_evaluated_cost() -> None:
    p = problem(order("O-1", ("SKU-A", 3)))
    a = alloc(p, ("O-1", "O-1-1", "DC-LYON", 2))
    plan = make_plan(p, a, status="feasible", mode="wave", lower_bound=1.0, elapsed_s=0.5)
    r = evaluate(p, a)
    assert plan.cost == r.cost
    assert plan.unfilled_qty.tolist() == r.unfilled_qty.tolist() == [1]
    assert plan.shipments.tolist() == [1]
    assert (plan.status, plan.mode, plan.lower_bound, plan.elapsed_s) == (
        "feasible",
        "wave",
        1.0,
        0.5,
    )


# ---------------------------------------------------------------- against a plain reference


def reference_cost(p: Problem, a: Allocations) -> tuple[float, float, float, float]:
    """The contract's cost written out loop by loop, with the reference distance."""
    n, o, s = p.nodes, p.orders, p.settings
    handling = 0.0
    ships: set[tuple[int, int]] = set()
    given_units = [0] * len(o.line_qty)
    for oi, li, ni, q in zip(
        a.order.tolist(), a.line.tolist(), a.node.tolist(), a.qty.tolist(), strict=True
    ):
        if q <= 0:
            continue
        handling += q * float(n.handling_cost[ni])
        ships.add((oi, ni))
        given_units[li] += q
    shipping = 0.0
    for oi, ni in ships:
        if o.is_pickup[oi] and o.pickup_node[oi] == ni:
            continue
        dest = (float(o.dest_lat[oi]), float(o.dest_lon[oi]))
        km = great_circle_km((float(n.lat[ni]), float(n.lon[ni])), dest)
        shipping += float(n.shipment_cost[ni]) + float(n.cost_per_km[ni]) * km
    per_order = [sum(1 for oi, _ in ships if oi == k) for k in range(len(o))]
    split = s.split_penalty * sum(max(0, c - 1) for c in per_order)
    short = sum(max(0, int(q) - g) for q, g in zip(o.line_qty.tolist(), given_units, strict=True))
    return shipping, handling, split, s.unfilled_penalty * short


@st.composite
def problem_and_allocations(draw: st.DrawFn) -> tuple[Problem, Allocations]:
    p = draw(problems())
    rows = []
    for li in range(len(p.orders.line_qty)):
        for _ in range(draw(st.integers(0, 2))):
            rows.append(
                (
                    int(p.orders.line_order[li]),
                    li,
                    draw(st.integers(0, len(p.nodes) - 1)),
                    draw(st.integers(1, int(p.orders.line_qty[li]))),
                )
            )
    return p, Allocations.from_rows(rows)


@settings(max_examples=80, deadline=None)
@given(case=problem_and_allocations())
def test_evaluate_matches_a_plain_reference_and_the_total_is_the_sum_of_parts(
    case: tuple[Problem, Allocations],
) -> None:
    p, a = case
    c = evaluate(p, a).cost
    shipping, handling, split, unfilled = reference_cost(p, a)
    assert c.shipping == pytest.approx(shipping, rel=1e-9, abs=1e-9)
    assert c.handling == pytest.approx(handling, rel=1e-9, abs=1e-9)
    assert c.split == pytest.approx(split, abs=1e-9)
    assert c.unfilled == pytest.approx(unfilled, abs=1e-9)
    assert c.total == pytest.approx(parts_sum(c), rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------- violations


def test_a_feasible_plan_has_no_violations() -> None:
    p = problem(
        order("O-1", ("SKU-A", 3), ("SKU-B", 1), max_shipments=2),
        order("O-P", ("SKU-B", 2), pickup="ST-GRE"),
        order("O-3", ("SKU-A", 1)),
        stock={
            ("DC-LYON", "SKU-A"): 3,
            ("DC-MRS", "SKU-A"): 1,
            ("DC-LYON", "SKU-B"): 2,
            ("ST-GRE", "SKU-B"): 1,
        },
        capacity={"DC-LYON": 5},
    )
    a = alloc(
        p,
        ("O-1", "O-1-1", "DC-LYON", 2),
        ("O-1", "O-1-1", "DC-MRS", 1),
        ("O-1", "O-1-2", "DC-LYON", 1),
        ("O-P", "O-P-1", "ST-GRE", 1),
        ("O-P", "O-P-1", "DC-LYON", 1),  # a transfer
        ("O-3", "O-3-1", "DC-LYON", 1),
    )
    # Every limit is met exactly: DC-LYON's 3 SKU-A and 2 SKU-B, its capacity 5, O-1's 2 shipments.
    assert violations(p, a) == []


def test_empty_allocations_have_no_violations() -> None:
    p = problem(order("O-1", ("SKU-A", 3)))
    assert violations(p, Allocations.empty()) == []


def test_taking_more_than_a_node_holds_is_a_violation() -> None:
    p = problem(order("O-1", ("SKU-A", 3)), stock={("DC-LYON", "SKU-A"): 2})
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 3)))
    assert 'node "DC-LYON"' in v
    assert 'sku "SKU-A"' in v


def test_two_lines_of_the_same_sku_share_a_nodes_stock() -> None:
    p = problem(order("O-1", ("SKU-A", 2), ("SKU-A", 2)), stock={("DC-LYON", "SKU-A"): 3})
    within = alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-1", "O-1-2", "DC-LYON", 1))
    assert violations(p, within) == []
    over = alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-1", "O-1-2", "DC-LYON", 2))
    (v,) = violations(p, over)
    assert 'node "DC-LYON"' in v
    assert 'sku "SKU-A"' in v


def test_two_orders_share_a_nodes_stock() -> None:
    p = problem(
        order("O-1", ("SKU-A", 2)), order("O-2", ("SKU-A", 1)), stock={("DC-LYON", "SKU-A"): 2}
    )
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-2", "O-2-1", "DC-LYON", 1)))
    assert 'sku "SKU-A"' in v


def test_stock_of_one_sku_does_not_cover_another() -> None:
    p = problem(order("O-1", ("SKU-B", 1)), stock={("DC-LYON", "SKU-A"): 5})
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 1)))
    assert 'sku "SKU-B"' in v


def test_shipping_more_units_than_a_nodes_capacity_is_a_violation() -> None:
    p = problem(order("O-1", ("SKU-A", 2), ("SKU-B", 2)), capacity={"DC-LYON": 3})
    a = alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-1", "O-1-2", "DC-LYON", 2))
    (v,) = violations(p, a)
    assert 'node "DC-LYON"' in v
    assert "capacity" in v


def test_capacity_counts_units_of_every_order() -> None:
    p = problem(order("O-1", ("SKU-A", 2)), order("O-2", ("SKU-B", 2)), capacity={"DC-LYON": 3})
    a = alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-2", "O-2-1", "DC-LYON", 2))
    (v,) = violations(p, a)
    assert "capacity" in v


def test_a_zero_capacity_node_may_ship_nothing() -> None:
    p = problem(order("O-1", ("SKU-A", 1)), capacity={"DC-LYON": 0})
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 1)))
    assert "capacity" in v


def test_more_shipments_than_an_order_allows_is_a_violation() -> None:
    p = problem(order("O-1", ("SKU-A", 2), max_shipments=1))
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 1), ("O-1", "O-1-1", "DC-MRS", 1)))
    assert 'order "O-1"' in v
    assert "shipments" in v


def test_more_units_than_a_line_ordered_is_a_violation() -> None:
    p = problem(order("O-1", ("SKU-A", 2)))
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "DC-LYON", 2), ("O-1", "O-1-1", "DC-MRS", 1)))
    assert 'line "O-1-1"' in v


def test_shipping_from_a_node_that_cannot_ship_is_a_violation() -> None:
    p = problem(order("O-1", ("SKU-A", 1)))
    (v,) = violations(p, alloc(p, ("O-1", "O-1-1", "ST-GRE", 1)))
    assert v == 'node "ST-GRE" may not serve order "O-1"'


def test_a_pickup_order_from_another_store_without_transfers_is_a_violation() -> None:
    p = problem(order("O-P", ("SKU-A", 1), pickup="ST-GRE"), transfers=False)
    (v,) = violations(p, alloc(p, ("O-P", "O-P-1", "ST-VER", 1)))
    assert v == 'node "ST-VER" may not serve order "O-P"'


def test_a_pickup_order_from_a_dc_without_transfers_is_a_violation() -> None:
    p = problem(order("O-P", ("SKU-A", 1), pickup="ST-GRE"), transfers=False)
    (v,) = violations(p, alloc(p, ("O-P", "O-P-1", "DC-LYON", 1)))
    assert v == 'node "DC-LYON" may not serve order "O-P"'


def test_a_pickup_order_from_a_store_that_cannot_ship_is_a_violation_even_with_transfers() -> None:
    p = problem(order("O-P", ("SKU-A", 1), pickup="ST-VER"), transfers=True)
    (v,) = violations(p, alloc(p, ("O-P", "O-P-1", "ST-GRE", 1)))
    assert v == 'node "ST-GRE" may not serve order "O-P"'


def test_a_pickup_order_from_its_own_store_is_eligible_even_if_the_store_cannot_ship() -> None:
    p = problem(order("O-P", ("SKU-A", 1), pickup="ST-GRE"), transfers=False)
    assert violations(p, alloc(p, ("O-P", "O-P-1", "ST-GRE", 1))) == []


def test_a_pickup_order_transferred_from_a_dc_is_eligible_when_transfers_are_allowed() -> None:
    p = problem(order("O-P", ("SKU-A", 1), pickup="ST-GRE"), transfers=True)
    assert violations(p, alloc(p, ("O-P", "O-P-1", "DC-LYON", 1))) == []


@pytest.mark.parametrize("qty", [0, -1])
def test_an_allocation_of_zero_or_fewer_units_is_a_violation(qty: int) -> None:
    p = problem(order("O-1", ("SKU-A", 2)))
    a = alloc(p, ("O-1", "O-1-1", "DC-LYON", 1), ("O-1", "O-1-1", "DC-MRS", qty))
    assert violations(p, a) == ["allocation quantities must be >= 1"]


def test_an_allocation_naming_a_line_of_another_order_is_a_violation() -> None:
    p = problem(order("O-1", ("SKU-A", 1)), order("O-2", ("SKU-A", 1)))
    o = p.orders
    a = Allocations.from_rows([(0, int(o.lines_of(1)[0]), p.nodes.index["DC-LYON"], 1)])
    assert "an allocation names a line of another order" in violations(p, a)


def test_every_breach_is_listed() -> None:
    p = problem(
        order("O-1", ("SKU-A", 2), max_shipments=1),
        stock={("DC-LYON", "SKU-A"): 1, ("ST-GRE", "SKU-A"): 5, ("DC-MRS", "SKU-A"): 5},
        capacity={"DC-MRS": 1},
    )
    a = alloc(
        p,
        ("O-1", "O-1-1", "DC-LYON", 2),  # over stock
        ("O-1", "O-1-1", "ST-GRE", 1),  # cannot ship
        ("O-1", "O-1-1", "DC-MRS", 2),  # over capacity; 5 units for a line of 2; 3 shipments
    )
    out = violations(p, a)
    assert len(out) == 5, out
    assert any("may not serve" in v for v in out)
    assert any('line "O-1-1"' in v for v in out)
    assert any('sku "SKU-A"' in v and 'node "DC-LYON"' in v for v in out)
    assert any("capacity" in v and 'node "DC-MRS"' in v for v in out)
    assert any('order "O-1"' in v and "shipments" in v for v in out)
