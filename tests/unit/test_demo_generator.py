"""The seeded problem generator on French geography: deterministic, valid, shaped as asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from oms.domain.geo import haversine_km
from oms.sourcing.contract import parse_problem
from oms.sourcing.demo import (
    dumps_problem,
    french_cities,
    generate_demo_problem,
    generate_network_problem,
    generate_problem,
    generate_wave_problem,
    write_problem,
)

# Metropolitan France with Corsica, with a little margin for jitter.
LAT_RANGE = (41.3, 51.2)
LON_RANGE = (-5.3, 9.7)


def small(seed: int) -> dict[str, Any]:
    return generate_problem(seed=seed, n_warehouses=3, n_stores=12, n_skus=40, n_orders=150)


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return generate_demo_problem()


def by_kind(problem: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in problem["nodes"] if n["kind"] == kind]


def units_per_sku(problem: dict[str, Any]) -> tuple[dict[str, int], dict[str, int]]:
    """(demand, network stock) per SKU."""
    demand: dict[str, int] = {}
    stock: dict[str, int] = {}
    for o in problem["orders"]:
        for line in o["lines"]:
            demand[line["sku"]] = demand.get(line["sku"], 0) + line["qty"]
    for row in problem["inventory"]:
        stock[row["sku"]] = stock.get(row["sku"], 0) + row["qty"]
    return demand, stock


def test_same_seed_gives_identical_problem() -> None:
    a = dumps_problem(small(7))
    b = dumps_problem(small(7))
    assert a == b


def test_demo_is_byte_identical_across_calls(demo: dict[str, Any]) -> None:
    assert dumps_problem(generate_demo_problem()) == dumps_problem(demo)


def test_different_seeds_give_different_problems() -> None:
    a = dumps_problem(small(7))
    b = dumps_problem(small(8))
    assert a != b


def test_demo_parses_under_the_contract(demo: dict[str, Any]) -> None:
    problem = parse_problem(demo)
    assert len(problem.nodes) == 64
    assert len(problem.orders) == 2000


def test_demo_preset_has_the_sizes_the_issue_asks_for(demo: dict[str, Any]) -> None:
    assert demo["version"] == 1
    assert demo["settings"] == {
        "split_penalty": 1.5,
        "unfilled_penalty": 100.0,
        "allow_transfers": True,
    }
    assert len(by_kind(demo, "warehouse")) == 4
    assert len(by_kind(demo, "store")) == 60
    assert len(parse_problem(demo).sku_ids) == 500
    assert len(demo["orders"]) == 2000


def test_all_stores_take_pickups_and_some_ship_from_store(demo: dict[str, Any]) -> None:
    stores = by_kind(demo, "store")
    assert all(s["can_pickup"] for s in stores)
    shipping = sum(s["can_ship"] for s in stores)
    assert 0 < shipping < len(stores)
    assert all(w["can_ship"] and not w["can_pickup"] for w in by_kind(demo, "warehouse"))


def test_some_orders_are_pickups_at_one_of_the_three_nearest_stores(demo: dict[str, Any]) -> None:
    stores = by_kind(demo, "store")
    lat = np.array([s["lat"] for s in stores])
    lon = np.array([s["lon"] for s in stores])
    pickups = [o for o in demo["orders"] if o["delivery"] == "pickup"]
    assert 0.08 * 2000 < len(pickups) < 0.25 * 2000
    for o in pickups:
        d = haversine_km(np.full(len(stores), o["lat"]), np.full(len(stores), o["lon"]), lat, lon)
        nearest = {stores[i]["id"] for i in np.argsort(d, kind="stable")[:3]}
        assert o["pickup_node"] in nearest
    assert all(o["pickup_node"] is None for o in demo["orders"] if o["delivery"] == "ship")


def test_nodes_and_customers_are_in_france(demo: dict[str, Any]) -> None:
    points = [(n["lat"], n["lon"]) for n in demo["nodes"]]
    points += [(o["lat"], o["lon"]) for o in demo["orders"]]
    for lat, lon in points:
        assert LAT_RANGE[0] < lat < LAT_RANGE[1] and LON_RANGE[0] < lon < LON_RANGE[1]


def test_nodes_sit_on_real_french_cities_and_paris_is_paris(demo: dict[str, Any]) -> None:
    cities = french_cities()
    known = set(zip(cities.lat.tolist(), cities.lon.tolist(), strict=True))
    assert all((n["lat"], n["lon"]) in known for n in demo["nodes"])
    paris = next(n for n in demo["nodes"] if n["id"] == "DC-PARIS")
    assert haversine_km(paris["lat"], paris["lon"], 48.85, 2.35) < 5.0


def test_some_skus_are_scarce_in_the_whole_network(demo: dict[str, Any]) -> None:
    demand, stock = units_per_sku(demo)
    scarce = [k for k, d in demand.items() if stock.get(k, 0) < d]
    assert len(scarce) >= 10


def test_demand_has_a_long_tail(demo: dict[str, Any]) -> None:
    demand, _ = units_per_sku(demo)
    ranked = sorted(demand.values(), reverse=True)
    top_5_percent = sum(ranked[: len(ranked) // 20])
    assert top_5_percent > 0.3 * sum(ranked)


def test_orders_have_readable_ids_distinct_skus_and_small_quantities(
    demo: dict[str, Any],
) -> None:
    assert demo["orders"][0]["id"] == "O-000001"
    for o in demo["orders"]:
        skus = [line["sku"] for line in o["lines"]]
        assert 1 <= len(skus) <= 4 and len(set(skus)) == len(skus)
        assert [line["id"] for line in o["lines"]] == [
            f"{o['id']}-{j + 1}" for j in range(len(skus))
        ]
        assert o["max_shipments"] in (None, 1, 2)
    qty = [line["qty"] for o in demo["orders"] for line in o["lines"]]
    assert qty.count(1) > 0.7 * len(qty)


def test_inventory_has_no_zero_rows_and_no_duplicates(demo: dict[str, Any]) -> None:
    assert all(row["qty"] > 0 for row in demo["inventory"])
    keys = [(row["node"], row["sku"]) for row in demo["inventory"]]
    assert len(set(keys)) == len(keys)


def test_stores_have_modest_capacity_and_warehouses_large(demo: dict[str, Any]) -> None:
    assert all(20 <= s["capacity_units"] <= 80 for s in by_kind(demo, "store"))
    units = sum(line["qty"] for o in demo["orders"] for line in o["lines"])
    assert all(w["capacity_units"] >= units for w in by_kind(demo, "warehouse"))


def test_extra_stores_beyond_the_city_count_get_distinct_ids_and_places() -> None:
    n_cities = len(french_cities())
    problem = generate_problem(
        seed=3, n_warehouses=2, n_stores=n_cities + 300, n_skus=20, n_orders=50
    )
    stores = by_kind(problem, "store")
    assert len(stores) == n_cities + 300
    assert len({s["id"] for s in stores}) == len(stores)
    assert len({(s["lat"], s["lon"]) for s in stores}) == len(stores)
    assert any(s["id"].endswith("-02") for s in stores)
    parse_problem(problem)


def test_wave_preset_is_scarce_and_capacity_bound() -> None:
    problem = generate_wave_problem(seed=5, n_nodes=65, n_orders=600, n_skus=200)
    parse_problem(problem)
    assert len(problem["nodes"]) == 65
    demand, stock = units_per_sku(problem)
    units = sum(demand.values())
    assert sum(stock.get(k, 0) < d for k, d in demand.items()) >= 30
    assert sum(w["capacity_units"] for w in by_kind(problem, "warehouse")) < units


@pytest.mark.parametrize("n_nodes", [5, 200, 1000])
def test_network_preset_has_the_requested_node_count(n_nodes: int) -> None:
    problem = generate_network_problem(seed=1, n_nodes=n_nodes, n_orders=20, n_skus=30)
    assert len(problem["nodes"]) == n_nodes
    assert len({n["id"] for n in problem["nodes"]}) == n_nodes
    parse_problem(problem)


def test_a_network_without_stores_has_no_pickup_orders() -> None:
    problem = generate_problem(seed=2, n_warehouses=3, n_stores=0, n_skus=10, n_orders=80)
    assert all(o["delivery"] == "ship" for o in problem["orders"])
    parse_problem(problem)


def test_written_file_reads_back_as_the_same_problem(tmp_path: Path) -> None:
    problem = small(9)
    write_problem(problem, tmp_path / "a.json")
    write_problem(small(9), tmp_path / "b.json")
    assert json.loads((tmp_path / "a.json").read_text()) == problem
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_impossible_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_problem(seed=1, n_warehouses=0, n_stores=0, n_skus=5, n_orders=1)
    with pytest.raises(ValueError):
        generate_problem(seed=1, n_warehouses=1, n_stores=1, n_skus=0, n_orders=1)
