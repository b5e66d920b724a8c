"""The sourcing contract (DESIGN.md section 3): malformed input is refused naming the record, valid
input parses into the right arrays, and problems and plans round-trip through their JSON form."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oms.domain.errors import ContractError
from oms.sourcing.contract import (
    NO_LIMIT,
    Allocations,
    load_problem,
    parse_plan_allocations,
    parse_problem,
    plan_to_dict,
    problem_to_dict,
)
from oms.sourcing.cost import make_plan
from tests.problems import random_problem_dict

# ---------------------------------------------------------------- builders


def node(nid: str, lat: float, lon: float, **kw: Any) -> dict[str, Any]:
    return {
        "id": nid,
        "kind": kw.get("kind", "warehouse"),
        "lat": lat,
        "lon": lon,
        "can_ship": kw.get("can_ship", True),
        "can_pickup": kw.get("can_pickup", False),
        "capacity_units": kw.get("capacity_units"),
        "handling_cost": kw.get("handling_cost", 0.35),
        "shipment_cost": kw.get("shipment_cost", 4.5),
        "cost_per_km": kw.get("cost_per_km", 0.006),
    }


def order(oid: str, lines: list[tuple[str, int]], **kw: Any) -> dict[str, Any]:
    return {
        "id": oid,
        "lat": kw.get("lat", 48.85),
        "lon": kw.get("lon", 2.35),
        "delivery": "pickup" if kw.get("pickup_node") else "ship",
        "pickup_node": kw.get("pickup_node"),
        "max_shipments": kw.get("max_shipments"),
        "lines": [
            {"id": f"{oid}-{j + 1}", "sku": sku, "qty": qty} for j, (sku, qty) in enumerate(lines)
        ],
    }


def valid_problem() -> dict[str, Any]:
    """A small valid problem. Node 3 (DC-MRS) is referenced by nothing, so a fault in it is the
    only fault of the file."""
    return {
        "version": 1,
        "settings": {"split_penalty": 1.5, "unfilled_penalty": 100.0, "allow_transfers": True},
        "nodes": [
            node("DC-LYON", 45.764, 4.8357, capacity_units=5000),
            node(
                "ST-PARIS",
                48.8566,
                2.3522,
                kind="store",
                can_pickup=True,
                handling_cost=0.2,
                shipment_cost=2.0,
                cost_per_km=0.02,
            ),
            node(
                "ST-GRE",
                45.1885,
                5.7245,
                kind="store",
                can_ship=False,
                can_pickup=True,
                capacity_units=40,
                handling_cost=0.25,
                shipment_cost=6.0,
                cost_per_km=0.05,
            ),
            node("DC-MRS", 43.2965, 5.3698, handling_cost=0.5, shipment_cost=3.0, cost_per_km=0.01),
        ],
        "inventory": [
            {"node": "DC-LYON", "sku": "SKU-A", "qty": 12},
            {"node": "ST-PARIS", "sku": "SKU-A", "qty": 2},
            {"node": "DC-LYON", "sku": "SKU-B", "qty": 3},
            {"node": "ST-GRE", "sku": "SKU-B", "qty": 5},
        ],
        "orders": [
            order("O-1", [("SKU-A", 2), ("SKU-B", 1)], max_shipments=2),
            order("O-2", [("SKU-B", 4)], lat=45.2, lon=5.7, pickup_node="ST-GRE"),
        ],
    }


NODE = 'nodes[3] (id "DC-MRS")'  # the unreferenced node
ORDER_1 = 'orders[0] (id "O-1")'
ORDER_2 = 'orders[1] (id "O-2")'


def faults(data: Any) -> list[str]:
    with pytest.raises(ContractError) as info:
        parse_problem(data)
    assert info.value.problems, "a ContractError must list its problems"
    return info.value.problems


def assert_single_fault(data: Any, where: str, *fragments: str) -> None:
    """Exactly one problem is reported; it names `where` and says each of `fragments`."""
    problems = faults(data)
    assert len(problems) == 1, problems
    message = problems[0]
    assert message.startswith(f"{where}: "), message
    for fragment in fragments:
        assert fragment in message, message


def sorted_inventory(d: dict[str, Any]) -> dict[str, Any]:
    """The inventory's row order carries no meaning; sort it to compare problems."""
    out = copy.deepcopy(d)
    out["inventory"].sort(key=lambda r: (r["node"], r["sku"]))
    return out


# ---------------------------------------------------------------- whole file


def test_the_valid_example_parses() -> None:
    problem = parse_problem(valid_problem())
    assert len(problem.nodes) == 4
    assert len(problem.orders) == 2


def test_text_that_is_not_json_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text('{"version": 1, "settings": ', encoding="utf-8")
    with pytest.raises(ContractError) as info:
        load_problem(path)
    (message,) = info.value.problems
    assert str(path) in message
    assert "not valid JSON" in message


def test_a_missing_problem_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.json"
    with pytest.raises(ContractError) as info:
        load_problem(path)
    (message,) = info.value.problems
    assert str(path) in message


def test_a_valid_problem_file_loads_like_its_parsed_dict(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(valid_problem()), encoding="utf-8")
    assert problem_to_dict(load_problem(path)) == problem_to_dict(parse_problem(valid_problem()))


@pytest.mark.parametrize("data", [[], "problem", 1, None, [valid_problem()]])
def test_a_problem_that_is_not_an_object_is_refused(data: Any) -> None:
    assert faults(data) == ["problem: must be a JSON object"]


def test_a_problem_without_version_is_refused() -> None:
    d = valid_problem()
    del d["version"]
    assert_single_fault(d, "problem", 'missing field "version"')


@pytest.mark.parametrize("version", [2, 0, "1", True, None])
def test_a_problem_of_another_version_is_refused(version: Any) -> None:
    d = valid_problem()
    d["version"] = version
    assert_single_fault(d, "problem", '"version" must be 1')


# ---------------------------------------------------------------- settings


def test_a_problem_without_settings_is_refused() -> None:
    d = valid_problem()
    del d["settings"]
    assert_single_fault(d, "problem", 'missing field "settings"')


@pytest.mark.parametrize("value", [None, [], "fast", 1.5])
def test_settings_that_are_not_an_object_are_refused(value: Any) -> None:
    d = valid_problem()
    d["settings"] = value
    assert_single_fault(d, "problem", '"settings" must be an object')


@pytest.mark.parametrize("key", ["split_penalty", "unfilled_penalty", "allow_transfers"])
def test_settings_missing_a_field_are_refused_naming_the_field(key: str) -> None:
    d = valid_problem()
    del d["settings"][key]
    assert_single_fault(d, "settings", f'missing field "{key}"')


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("split_penalty", "1.5"),
        ("split_penalty", True),
        ("split_penalty", None),
        ("split_penalty", float("nan")),
        ("unfilled_penalty", "100"),
        ("unfilled_penalty", float("inf")),
        ("unfilled_penalty", [100.0]),
        ("allow_transfers", "yes"),
        ("allow_transfers", 1),
        ("allow_transfers", None),
    ],
)
def test_a_settings_field_of_the_wrong_type_is_refused(key: str, value: Any) -> None:
    d = valid_problem()
    d["settings"][key] = value
    assert_single_fault(d, "settings", f'"{key}"')


@pytest.mark.parametrize("key", ["split_penalty", "unfilled_penalty"])
def test_a_negative_penalty_is_refused(key: str) -> None:
    d = valid_problem()
    d["settings"][key] = -0.5
    assert_single_fault(d, "settings", f'"{key}" must be >= 0')


def test_zero_penalties_are_accepted() -> None:
    d = valid_problem()
    d["settings"].update(split_penalty=0, unfilled_penalty=0.0)
    s = parse_problem(d).settings
    assert (s.split_penalty, s.unfilled_penalty) == (0.0, 0.0)


# ---------------------------------------------------------------- nodes


@pytest.mark.parametrize(
    "key",
    [
        "kind",
        "lat",
        "lon",
        "can_ship",
        "can_pickup",
        "handling_cost",
        "shipment_cost",
        "cost_per_km",
    ],
)
def test_a_node_missing_a_required_field_is_refused_with_its_record(key: str) -> None:
    d = valid_problem()
    del d["nodes"][3][key]
    assert_single_fault(d, NODE, f'missing field "{key}"')


def test_a_node_missing_its_id_is_refused_with_its_position() -> None:
    d = valid_problem()
    del d["nodes"][3]["id"]
    assert_single_fault(d, "nodes[3]", 'missing field "id"')


@pytest.mark.parametrize(
    ("nid", "where"),
    [("", 'nodes[3] (id "")'), ("   ", 'nodes[3] (id "   ")'), (7, "nodes[3]"), (None, "nodes[3]")],
)
def test_a_node_id_that_is_not_a_non_empty_string_is_refused(nid: Any, where: str) -> None:
    d = valid_problem()
    d["nodes"][3]["id"] = nid
    assert_single_fault(d, where, '"id" must be a non-empty string')


@pytest.mark.parametrize(
    ("key", "value"),
    [("lat", 90.5), ("lat", -91.0), ("lon", 180.01), ("lon", -181), ("lat", "45.0"), ("lon", None)],
)
def test_a_node_outside_the_globe_is_refused(key: str, value: Any) -> None:
    d = valid_problem()
    d["nodes"][3][key] = value
    assert_single_fault(d, NODE, f'"{key}"')


@pytest.mark.parametrize(("key", "value"), [("lat", 90), ("lat", -90), ("lon", 180), ("lon", -180)])
def test_a_node_on_the_edge_of_the_globe_is_accepted(key: str, value: float) -> None:
    d = valid_problem()
    d["nodes"][3][key] = value
    parse_problem(d)


@pytest.mark.parametrize("key", ["handling_cost", "shipment_cost", "cost_per_km"])
def test_a_node_with_a_negative_cost_is_refused(key: str) -> None:
    d = valid_problem()
    d["nodes"][3][key] = -0.01
    assert_single_fault(d, NODE, f'"{key}" must be >= 0')


@pytest.mark.parametrize("key", ["can_ship", "can_pickup"])
def test_a_node_flag_that_is_not_a_boolean_is_refused(key: str) -> None:
    d = valid_problem()
    d["nodes"][3][key] = "true"
    assert_single_fault(d, NODE, f'"{key}" must be true or false')


def test_a_node_with_negative_capacity_is_refused() -> None:
    d = valid_problem()
    d["nodes"][3]["capacity_units"] = -1
    assert_single_fault(d, NODE, '"capacity_units" must be >= 0')


@pytest.mark.parametrize("value", [2.5, "10", True])
def test_a_node_with_fractional_or_textual_capacity_is_refused(value: Any) -> None:
    d = valid_problem()
    d["nodes"][3]["capacity_units"] = value
    assert_single_fault(d, NODE, '"capacity_units" must be a whole number')


def test_a_node_with_zero_capacity_is_accepted() -> None:
    d = valid_problem()
    d["nodes"][3]["capacity_units"] = 0
    assert parse_problem(d).nodes.capacity[3] == 0


def test_a_duplicate_node_id_is_refused_naming_the_second_record() -> None:
    d = valid_problem()
    d["nodes"][3]["id"] = "DC-LYON"
    assert_single_fault(d, 'nodes[3] (id "DC-LYON")', 'duplicate node id "DC-LYON"')


def test_a_node_that_is_not_an_object_is_refused_with_its_position() -> None:
    d = valid_problem()
    d["nodes"].append("DC-NICE")
    assert_single_fault(d, "nodes[4]", "must be an object")


def test_nodes_that_are_not_a_list_are_refused() -> None:
    d = valid_problem()
    d["nodes"] = {"DC-LYON": d["nodes"][0]}
    assert any(p == 'problem: "nodes" must be a list' for p in faults(d))


# ---------------------------------------------------------------- inventory


def test_inventory_row_naming_an_unknown_node_is_refused_with_its_record() -> None:
    d = valid_problem()
    d["inventory"][1]["node"] = "ST-NOWHERE"
    assert_single_fault(
        d, 'inventory[1] (node "ST-NOWHERE", sku "SKU-A")', 'unknown node "ST-NOWHERE"'
    )


def test_inventory_row_with_negative_qty_is_refused_with_its_record() -> None:
    d = valid_problem()
    d["inventory"][2]["qty"] = -1
    assert_single_fault(d, "inventory[2]", '"qty" must be >= 0')


@pytest.mark.parametrize("qty", [2.5, "3", True, None, 3.0])
def test_inventory_row_with_a_non_integer_qty_is_refused_with_its_record(qty: Any) -> None:
    d = valid_problem()
    d["inventory"][2]["qty"] = qty
    assert_single_fault(d, "inventory[2]", '"qty" must be a whole number')


@pytest.mark.parametrize("key", ["node", "sku", "qty"])
def test_inventory_row_missing_a_field_is_refused_with_its_record(key: str) -> None:
    d = valid_problem()
    del d["inventory"][0][key]
    assert_single_fault(d, "inventory[0]", f'missing field "{key}"')


def test_a_duplicate_inventory_row_is_refused_naming_the_second_row() -> None:
    d = valid_problem()
    d["inventory"].append({"node": "ST-GRE", "sku": "SKU-B", "qty": 1})
    assert_single_fault(d, 'inventory[4] (node "ST-GRE", sku "SKU-B")', "duplicate")


def test_an_inventory_row_of_zero_units_is_accepted() -> None:
    d = valid_problem()
    d["inventory"].append({"node": "DC-MRS", "sku": "SKU-A", "qty": 0})
    p = parse_problem(d)
    assert p.stock[p.sku_index["SKU-A"], p.nodes.index["DC-MRS"]] == 0


def test_an_inventory_row_that_is_not_an_object_is_refused_with_its_position() -> None:
    d = valid_problem()
    d["inventory"].insert(0, ["DC-LYON", "SKU-A", 1])
    assert_single_fault(d, "inventory[0]", "must be an object")


# ---------------------------------------------------------------- orders


@pytest.mark.parametrize("key", ["lat", "lon", "delivery", "lines"])
def test_an_order_missing_a_required_field_is_refused_with_its_record(key: str) -> None:
    d = valid_problem()
    del d["orders"][1][key]
    assert_single_fault(d, ORDER_2, f'missing field "{key}"')


def test_an_order_missing_its_id_is_refused_with_its_position() -> None:
    d = valid_problem()
    del d["orders"][1]["id"]
    assert_single_fault(d, "orders[1]", 'missing field "id"')


@pytest.mark.parametrize(("key", "value"), [("lat", -90.01), ("lon", 200.0), ("lat", "north")])
def test_an_order_outside_the_globe_is_refused(key: str, value: Any) -> None:
    d = valid_problem()
    d["orders"][0][key] = value
    assert_single_fault(d, ORDER_1, f'"{key}"')


@pytest.mark.parametrize("delivery", ["courier", "Ship", "", None, True])
def test_an_order_with_an_unknown_delivery_is_refused(delivery: Any) -> None:
    d = valid_problem()
    d["orders"][0]["delivery"] = delivery
    assert_single_fault(d, ORDER_1, '"delivery" must be "ship" or "pickup"')


@pytest.mark.parametrize("lines", [[], None, {"id": "O-1-1", "sku": "SKU-A", "qty": 1}])
def test_an_order_without_a_list_of_lines_is_refused(lines: Any) -> None:
    d = valid_problem()
    d["orders"][0]["lines"] = lines
    assert_single_fault(d, ORDER_1, '"lines" must be a non-empty list')


@pytest.mark.parametrize("qty", [0, -2])
def test_an_order_line_of_zero_or_negative_qty_is_refused_with_its_record(qty: int) -> None:
    d = valid_problem()
    d["orders"][0]["lines"][1]["qty"] = qty
    assert_single_fault(d, f'{ORDER_1}: lines[1] (id "O-1-2")', '"qty" must be >= 1')


@pytest.mark.parametrize("qty", [1.5, "2", True])
def test_an_order_line_of_non_integer_qty_is_refused_with_its_record(qty: Any) -> None:
    d = valid_problem()
    d["orders"][0]["lines"][1]["qty"] = qty
    assert_single_fault(d, f'{ORDER_1}: lines[1] (id "O-1-2")', '"qty" must be a whole number')


@pytest.mark.parametrize("key", ["sku", "qty"])
def test_an_order_line_missing_a_field_is_refused_with_its_record(key: str) -> None:
    d = valid_problem()
    del d["orders"][0]["lines"][0][key]
    assert_single_fault(d, f'{ORDER_1}: lines[0] (id "O-1-1")', f'missing field "{key}"')


def test_an_order_line_missing_its_id_is_refused_with_its_position() -> None:
    d = valid_problem()
    del d["orders"][0]["lines"][0]["id"]
    assert_single_fault(d, f"{ORDER_1}: lines[0]", 'missing field "id"')


def test_an_order_line_that_is_not_an_object_is_refused_with_its_position() -> None:
    d = valid_problem()
    d["orders"][0]["lines"].append("SKU-A x 2")
    assert_single_fault(d, f"{ORDER_1}: lines[2]", "must be an object")


def test_a_duplicate_order_id_is_refused_naming_the_second_record() -> None:
    d = valid_problem()
    d["orders"][1]["id"] = "O-1"
    assert_single_fault(d, 'orders[1] (id "O-1")', 'duplicate order id "O-1"')


def test_a_duplicate_line_id_within_an_order_is_refused_naming_the_second_line() -> None:
    d = valid_problem()
    d["orders"][0]["lines"][1]["id"] = "O-1-1"
    assert_single_fault(d, f'{ORDER_1}: lines[1] (id "O-1-1")', 'duplicate line id "O-1-1"')


def test_the_same_line_id_in_two_orders_is_accepted() -> None:
    d = valid_problem()
    d["orders"][1]["lines"][0]["id"] = "O-1-1"
    p = parse_problem(d)
    assert p.orders.line_ids == ["O-1-1", "O-1-2", "O-1-1"]


@pytest.mark.parametrize("absent", [True, False])
def test_a_pickup_order_without_a_pickup_node_is_refused(absent: bool) -> None:
    d = valid_problem()
    if absent:
        del d["orders"][1]["pickup_node"]
    else:
        d["orders"][1]["pickup_node"] = None
    assert_single_fault(d, ORDER_2, 'needs a "pickup_node"')


def test_a_pickup_order_naming_an_unknown_node_is_refused() -> None:
    d = valid_problem()
    d["orders"][1]["pickup_node"] = "ST-NOWHERE"
    assert_single_fault(d, ORDER_2, 'unknown pickup_node "ST-NOWHERE"')


def test_a_pickup_order_at_a_node_that_cannot_hand_over_is_refused() -> None:
    d = valid_problem()
    d["orders"][1]["pickup_node"] = "DC-LYON"
    assert_single_fault(d, ORDER_2, 'pickup_node "DC-LYON" is not pickup-capable')


def test_a_pickup_order_whose_store_stopped_pickups_is_refused() -> None:
    d = valid_problem()
    d["nodes"][2]["can_pickup"] = False
    assert_single_fault(d, ORDER_2, 'pickup_node "ST-GRE" is not pickup-capable')


@pytest.mark.parametrize("value", [0, -1])
def test_an_order_allowing_fewer_than_one_shipment_is_refused(value: int) -> None:
    d = valid_problem()
    d["orders"][0]["max_shipments"] = value
    assert_single_fault(d, ORDER_1, '"max_shipments" must be >= 1')


@pytest.mark.parametrize("value", [1.5, "2", True])
def test_an_order_with_a_non_integer_max_shipments_is_refused(value: Any) -> None:
    d = valid_problem()
    d["orders"][0]["max_shipments"] = value
    assert_single_fault(d, ORDER_1, '"max_shipments" must be a whole number')


def test_an_order_that_is_not_an_object_is_refused_with_its_position() -> None:
    d = valid_problem()
    d["orders"].append(None)
    assert_single_fault(d, "orders[2]", "must be an object")


@pytest.mark.parametrize("key", ["nodes", "inventory", "orders"])
def test_a_problem_missing_a_section_is_refused(key: str) -> None:
    d = valid_problem()
    del d[key]
    assert f'problem: missing field "{key}"' in faults(d)


# ---------------------------------------------------------------- many faults at once


def test_several_faults_in_one_file_are_all_reported_at_once() -> None:
    d = valid_problem()
    d["version"] = 2
    d["settings"]["split_penalty"] = -1.0
    d["nodes"][3]["lat"] = 123.0
    d["nodes"][3]["cost_per_km"] = -1.0
    d["inventory"][2]["qty"] = 2.5
    d["inventory"][3]["node"] = "ST-NOWHERE"
    d["orders"][0]["delivery"] = "courier"
    d["orders"][0]["lines"][0]["qty"] = 0
    d["orders"][1]["pickup_node"] = "DC-LYON"
    problems = faults(d)
    expected_records = [
        "problem",
        "settings",
        NODE,
        NODE,
        "inventory[2]",
        'inventory[3] (node "ST-NOWHERE", sku "SKU-B")',
        ORDER_1,
        f'{ORDER_1}: lines[0] (id "O-1-1")',
        ORDER_2,
    ]
    assert len(problems) == len(expected_records), problems
    for where in expected_records:
        assert sum(p.startswith(f"{where}: ") for p in problems) >= 1, (where, problems)
    assert any('"lat"' in p for p in problems)
    assert any('"cost_per_km"' in p for p in problems)


def test_the_error_detail_lists_every_problem() -> None:
    d = valid_problem()
    d["settings"]["split_penalty"] = -1.0
    d["orders"][0]["max_shipments"] = 0
    with pytest.raises(ContractError) as info:
        parse_problem(d)
    assert info.value.code == "invalid_problem"
    for p in info.value.problems:
        assert p in str(info.value)


# ---------------------------------------------------------------- valid problems as arrays


def test_a_valid_problem_parses_into_the_right_arrays() -> None:
    p = parse_problem(valid_problem())
    n, o, s = p.nodes, p.orders, p.settings
    assert (s.split_penalty, s.unfilled_penalty, s.allow_transfers) == (1.5, 100.0, True)

    assert n.ids == ["DC-LYON", "ST-PARIS", "ST-GRE", "DC-MRS"]
    assert n.index == {"DC-LYON": 0, "ST-PARIS": 1, "ST-GRE": 2, "DC-MRS": 3}
    assert n.kind == ["warehouse", "store", "store", "warehouse"]
    assert n.lat.tolist() == [45.764, 48.8566, 45.1885, 43.2965]
    assert n.can_ship.tolist() == [True, True, False, True]
    assert n.can_pickup.tolist() == [False, True, True, False]
    assert n.capacity.tolist() == [5000, NO_LIMIT, 40, NO_LIMIT]
    assert n.handling_cost.tolist() == [0.35, 0.2, 0.25, 0.5]
    assert n.shipment_cost.tolist() == [4.5, 2.0, 6.0, 3.0]
    assert n.cost_per_km.tolist() == [0.006, 0.02, 0.05, 0.01]

    # stock[sku, node]
    assert p.sku_ids == ["SKU-A", "SKU-B"]
    assert p.sku_index == {"SKU-A": 0, "SKU-B": 1}
    assert p.stock.dtype == np.int64
    assert p.stock.tolist() == [[12, 2, 0, 0], [3, 0, 5, 0]]

    # orders and their lines (CSR)
    assert o.ids == ["O-1", "O-2"]
    assert o.line_start.tolist() == [0, 2, 3]
    assert o.line_ids == ["O-1-1", "O-1-2", "O-2-1"]
    assert o.line_sku.tolist() == [0, 1, 1]
    assert o.line_qty.tolist() == [2, 1, 4]
    assert o.line_order.tolist() == [0, 0, 1]
    assert list(o.lines_of(0)) == [0, 1]
    assert list(o.lines_of(1)) == [2]
    assert o.max_shipments.tolist() == [2, NO_LIMIT]
    assert o.is_pickup.tolist() == [False, True]
    assert o.pickup_node.tolist() == [-1, 2]


def test_a_ship_order_goes_to_its_address_and_a_pickup_order_to_its_pickup_node() -> None:
    o = parse_problem(valid_problem()).orders
    assert (o.lat.tolist(), o.lon.tolist()) == ([48.85, 45.2], [2.35, 5.7])
    assert o.dest_lat.tolist() == [48.85, 45.1885]  # O-2 is collected at ST-GRE
    assert o.dest_lon.tolist() == [2.35, 5.7245]


def test_a_ship_order_with_a_pickup_node_is_still_a_ship_order() -> None:
    d = valid_problem()
    d["orders"][0]["pickup_node"] = "ST-PARIS"
    o = parse_problem(d).orders
    assert (bool(o.is_pickup[0]), int(o.pickup_node[0])) == (False, -1)
    assert (o.dest_lat[0], o.dest_lon[0]) == (48.85, 2.35)


def test_an_ordered_sku_with_no_inventory_row_anywhere_has_zero_stock() -> None:
    d = valid_problem()
    d["orders"][0]["lines"].append({"id": "O-1-3", "sku": "SKU-NEW", "qty": 3})
    p = parse_problem(d)
    k = p.sku_index["SKU-NEW"]
    assert p.sku_ids[k] == "SKU-NEW"
    assert p.stock.shape == (3, 4)
    assert p.stock[k].tolist() == [0, 0, 0, 0]
    assert p.orders.line_sku[2] == k  # O-1-3 is the third line overall


def test_a_problem_whose_orders_name_only_unstocked_skus_parses() -> None:
    d = valid_problem()
    d["inventory"] = []
    p = parse_problem(d)
    assert sorted(p.sku_ids) == ["SKU-A", "SKU-B"]
    assert not p.stock.any()


def test_nullable_fields_may_be_absent() -> None:
    d = valid_problem()
    for nd in d["nodes"]:
        del nd["capacity_units"]
    for od in d["orders"]:
        del od["max_shipments"]
    del d["orders"][0]["pickup_node"]  # a ship order
    p = parse_problem(d)
    assert p.nodes.capacity.tolist() == [NO_LIMIT] * 4
    assert p.orders.max_shipments.tolist() == [NO_LIMIT, NO_LIMIT]
    assert p.orders.pickup_node.tolist() == [-1, 2]


def test_null_nullable_fields_mean_no_limit() -> None:
    d = valid_problem()
    d["nodes"][0]["capacity_units"] = None
    d["orders"][0]["max_shipments"] = None
    p = parse_problem(d)
    assert p.nodes.capacity[0] == NO_LIMIT
    assert p.orders.max_shipments[0] == NO_LIMIT


def test_a_problem_with_no_orders_parses() -> None:
    d = valid_problem()
    d["orders"] = []
    p = parse_problem(d)
    assert len(p.orders) == 0
    assert p.orders.line_start.tolist() == [0]


# ---------------------------------------------------------------- problem_to_dict


def test_problem_to_dict_gives_back_a_canonical_input() -> None:
    d = valid_problem()
    assert sorted_inventory(problem_to_dict(parse_problem(d))) == sorted_inventory(d)


def test_problem_to_dict_is_plain_json() -> None:
    out = problem_to_dict(parse_problem(valid_problem()))
    assert json.loads(json.dumps(out)) == out


def test_problem_to_dict_round_trips_through_parse() -> None:
    d = valid_problem()
    d["orders"][0]["lines"].append({"id": "O-1-3", "sku": "SKU-NEW", "qty": 3})
    d["inventory"].append({"node": "DC-MRS", "sku": "SKU-Z", "qty": 0})
    first = problem_to_dict(parse_problem(d))
    assert problem_to_dict(parse_problem(first)) == first


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_nodes=st.integers(1, 6), n_orders=st.integers(0, 5))
def test_random_problems_round_trip_through_their_dict(
    seed: int, n_nodes: int, n_orders: int
) -> None:
    p = parse_problem(random_problem_dict(seed, n_nodes=n_nodes, n_orders=n_orders))
    d = problem_to_dict(p)
    again = parse_problem(json.loads(json.dumps(d)))
    assert problem_to_dict(again) == d
    assert again.nodes.ids == p.nodes.ids
    assert again.orders.line_ids == p.orders.line_ids
    assert np.array_equal(again.orders.line_qty, p.orders.line_qty)
    assert np.array_equal(again.orders.dest_lat, p.orders.dest_lat)
    assert np.array_equal(again.nodes.capacity, p.nodes.capacity)
    # Stock per (SKU name, node) is the same, whatever order the SKUs were numbered in; a SKU
    # that is neither stocked nor ordered may drop out.
    for sku in p.sku_ids:
        before = p.stock[p.sku_index[sku]]
        k = again.sku_index.get(sku)
        after = again.stock[k] if k is not None else np.zeros_like(before)
        assert np.array_equal(after, before)


# ---------------------------------------------------------------- plans


def _plan_of_valid_problem() -> tuple[Any, Any]:
    p = parse_problem(valid_problem())
    # O-1-1: 2 of SKU-A at DC-LYON; O-1-2: 1 of SKU-B at DC-LYON; O-2-1: 2 of 4 at ST-GRE.
    alloc = Allocations.from_rows([(0, 0, 0, 2), (0, 1, 0, 1), (1, 2, 2, 2)])
    plan = make_plan(p, alloc, status="heuristic", mode="online", elapsed_s=0.25)
    return p, plan


def test_plan_to_dict_has_exactly_the_contracts_fields() -> None:
    p, plan = _plan_of_valid_problem()
    out = plan_to_dict(p, plan)
    assert set(out) == {
        "allocations",
        "cost",
        "unfilled",
        "lower_bound",
        "status",
        "mode",
        "elapsed_s",
    }
    assert set(out["cost"]) == {"total", "shipping", "handling", "split", "unfilled"}
    assert out["allocations"] == [
        {"order": "O-1", "line": "O-1-1", "node": "DC-LYON", "qty": 2},
        {"order": "O-1", "line": "O-1-2", "node": "DC-LYON", "qty": 1},
        {"order": "O-2", "line": "O-2-1", "node": "ST-GRE", "qty": 2},
    ]
    assert out["unfilled"] == [{"order": "O-2", "line": "O-2-1", "qty": 2}]
    assert (out["lower_bound"], out["status"], out["mode"], out["elapsed_s"]) == (
        None,
        "heuristic",
        "online",
        0.25,
    )
    c = plan.cost
    assert out["cost"] == {
        "total": c.total,
        "shipping": c.shipping,
        "handling": c.handling,
        "split": c.split,
        "unfilled": c.unfilled,
    }
    assert out["cost"]["unfilled"] == 200.0


def test_plan_to_dict_is_plain_json() -> None:
    p, plan = _plan_of_valid_problem()
    out = plan_to_dict(p, plan)
    assert json.loads(json.dumps(out)) == out


def test_plan_allocations_round_trip_through_json() -> None:
    p, plan = _plan_of_valid_problem()
    back = parse_plan_allocations(p, json.loads(json.dumps(plan_to_dict(p, plan))))
    for key in ("order", "line", "node", "qty"):
        assert getattr(back, key).tolist() == getattr(plan.allocations, key).tolist()


def test_a_plan_with_no_allocations_reads_as_empty() -> None:
    p = parse_problem(valid_problem())
    assert len(parse_plan_allocations(p, {"allocations": []})) == 0


def _plan_with(p_alloc: dict[str, Any]) -> dict[str, Any]:
    return {
        "allocations": [
            {"order": "O-1", "line": "O-1-1", "node": "DC-LYON", "qty": 2},
            p_alloc,
        ]
    }


@pytest.mark.parametrize(
    ("alloc", "what"),
    [
        ({"order": "O-9", "line": "O-1-2", "node": "DC-LYON", "qty": 1}, "order"),
        ({"order": "O-1", "line": "O-1-9", "node": "DC-LYON", "qty": 1}, "line"),
        ({"order": "O-1", "line": "O-2-1", "node": "DC-LYON", "qty": 1}, "line"),  # O-2's line
        ({"order": "O-1", "line": "O-1-2", "node": "DC-NICE", "qty": 1}, "node"),
    ],
)
def test_a_plan_allocation_with_an_unknown_reference_is_refused_naming_it(
    alloc: dict[str, Any], what: str
) -> None:
    p = parse_problem(valid_problem())
    with pytest.raises(ContractError) as info:
        parse_plan_allocations(p, _plan_with(alloc))
    ref = alloc["line" if what == "line" else what]
    assert info.value.problems == [f'allocations[1]: unknown {what} "{ref}"']


@pytest.mark.parametrize("qty", [0, -1, 1.5, "1"])
def test_a_plan_allocation_of_a_non_positive_or_fractional_qty_is_refused(qty: Any) -> None:
    p = parse_problem(valid_problem())
    alloc = {"order": "O-1", "line": "O-1-2", "node": "DC-LYON", "qty": qty}
    with pytest.raises(ContractError) as info:
        parse_plan_allocations(p, _plan_with(alloc))
    (message,) = info.value.problems
    assert message.startswith('allocations[1]: "qty"')


def test_every_bad_plan_allocation_is_reported_at_once() -> None:
    p = parse_problem(valid_problem())
    data = {
        "allocations": [
            {"order": "O-9", "line": "O-1-1", "node": "DC-LYON", "qty": 1},
            {"order": "O-1", "line": "O-1-1", "node": "DC-LYON", "qty": 1},
            {"order": "O-1", "line": "O-1-2", "node": "DC-NICE", "qty": 1},
            {"line": "O-1-2", "node": "DC-LYON", "qty": 1},
        ]
    }
    with pytest.raises(ContractError) as info:
        parse_plan_allocations(p, data)
    assert info.value.problems == [
        'allocations[0]: unknown order "O-9"',
        'allocations[2]: unknown node "DC-NICE"',
        'allocations[3]: missing field "order"',
    ]


@pytest.mark.parametrize("data", [[], None, "plan"])
def test_a_plan_that_is_not_an_object_is_refused(data: Any) -> None:
    p = parse_problem(valid_problem())
    with pytest.raises(ContractError) as info:
        parse_plan_allocations(p, data)
    assert info.value.problems == ["plan: must be a JSON object"]


# ---------------------------------------------------------------- faults found in review


def test_a_plan_without_allocations_is_refused_naming_the_plan() -> None:
    p = parse_problem(valid_problem())
    with pytest.raises(ContractError) as info:
        parse_plan_allocations(p, {"cost": {}})
    assert info.value.problems == ['plan: missing field "allocations"']


@pytest.mark.parametrize("where", ["capacity", "stock", "line", "max_shipments"])
def test_a_quantity_too_large_for_the_arrays_is_refused_not_crashed_on(where: str) -> None:
    d = valid_problem()
    huge = 10**20
    if where == "capacity":
        d["nodes"][3]["capacity_units"] = huge
    elif where == "stock":
        d["inventory"][0]["qty"] = huge
    elif where == "line":
        d["orders"][0]["lines"][0]["qty"] = huge
    else:
        d["orders"][0]["max_shipments"] = huge
    faults(d)


@pytest.mark.parametrize("case", ["inventory", "pickup", "nodes_not_a_list"])
def test_a_malformed_node_is_reported_once_not_also_as_unknown(case: str) -> None:
    d = valid_problem()
    if case == "inventory":
        del d["nodes"][0]["lat"]  # DC-LYON holds stock
    elif case == "pickup":
        d["nodes"][2]["lat"] = "x"  # ST-GRE is O-2's pickup node
        d["inventory"] = [r for r in d["inventory"] if r["node"] != "ST-GRE"]
    else:
        d["nodes"] = "DC-LYON"
    problems = faults(d)
    assert len(problems) == 1, problems


def test_a_ship_order_naming_an_unknown_pickup_node_is_refused() -> None:
    d = valid_problem()
    d["orders"][0]["pickup_node"] = "ST-NOWHERE"
    assert_single_fault(d, ORDER_1, '"ST-NOWHERE"')
