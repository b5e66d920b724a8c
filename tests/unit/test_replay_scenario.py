"""Scenario files: the shipped ones are valid and rebuilt byte for byte; invalid ones are refused
with every problem named by its field."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from oms.domain.errors import ValidationError
from oms.replay.builder import write_shipped
from oms.replay.day import build_day
from oms.replay.orders_csv import write_orders_csv
from oms.replay.scenario import load_scenario, parse_scenario
from oms.replay.scenario_types import Adjustment, CapacityChange, OrderStream, Outage, Receipt
from tests.unit.test_replay_fixtures import small_dict, tiny, tiny_dict, write_rows

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = ["weekday-fr.json", "black-friday-fr.json", "flash-sale-fr.json", "dc-outage-fr.json"]


def problems_of(data: object, base_dir: Path = Path()) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        parse_scenario(data, base_dir=base_dir)
    return caught.value.problems


# ---------------------------------------------------------------- shipped scenarios


@pytest.mark.parametrize("name", SHIPPED)
def test_the_shipped_scenarios_are_valid(name):
    scenario = load_scenario(SCENARIOS / name)
    assert scenario.name == name.removesuffix(".json")
    assert len(scenario.network.nodes) == 64
    assert scenario.events


def test_the_shipped_scenarios_are_what_the_builder_writes(tmp_path):
    for path in write_shipped(tmp_path):
        assert path.read_bytes() == (SCENARIOS / path.name).read_bytes(), path.name


def test_the_outage_scenario_reads_its_orders_from_csv_in_time_order():
    scenario = load_scenario(SCENARIOS / "dc-outage-fr.json")
    assert isinstance(scenario.demand, OrderStream)
    assert len(scenario.demand.orders) == 3000
    assert np.all(np.diff(scenario.demand.arrival_s) >= 0)
    assert [type(e) for e in scenario.events] == [Outage, type(scenario.events[1])]


def test_an_order_stream_survives_a_round_trip_through_csv(tmp_path):
    day = build_day(parse_scenario(small_dict(30)))
    o, clock = day.problem.orders, day.scenario.clock
    labels = [clock.label(s, "%H:%M:%S") for s in day.arrival_s.tolist()]
    write_orders_csv(tmp_path / "o.csv", o, labels, day.problem.nodes.ids, day.problem.sku_ids)
    data = small_dict(30, demand={"orders_csv": "o.csv"})
    again = parse_scenario(data, base_dir=tmp_path).demand
    assert isinstance(again, OrderStream)
    assert again.orders.ids == o.ids and again.orders.line_ids == o.line_ids
    assert np.array_equal(again.arrival_s, day.arrival_s)
    assert np.array_equal(again.orders.line_qty, o.line_qty)
    assert np.array_equal(again.orders.pickup_node, o.pickup_node)
    assert np.allclose(again.orders.lat, o.lat)


# ---------------------------------------------------------------- events


def test_events_are_resolved_to_node_and_sku_indices_in_time_order():
    scenario = parse_scenario(small_dict())
    receipt, outage = scenario.events[0], scenario.events[1]
    nodes = scenario.network.nodes
    assert isinstance(receipt, Receipt) and nodes.ids[receipt.node] == "DC-LYON"
    assert receipt.at_s == 2 * 3600 and receipt.qty == 20
    assert isinstance(outage, Outage) and [nodes.ids[n] for n in outage.nodes] == ["DC-PARIS"]
    capacity = scenario.events[3]
    assert isinstance(capacity, CapacityChange) and capacity.factor == 0.5
    assert {nodes.kind[n] for n in capacity.nodes} == {"store"}


def test_an_event_outside_the_simulated_day_is_refused_by_its_path():
    data = small_dict()
    data["events"][2]["at"] = "21:30"
    assert problems_of(data) == [
        "events[2].at: must be within the simulated day (08:00 to 20:00), got '21:30'"
    ]


def test_a_recovery_without_an_outage_and_a_second_outage_are_refused():
    data = small_dict()
    data["events"].append({"at": "18:00", "type": "recovery", "node": "DC-LYON"})
    data["events"].append({"at": "13:00", "type": "outage", "node": "DC-PARIS"})
    found = problems_of(data)
    assert 'events[6]: node "DC-PARIS" is already down at this time' in found
    assert 'events[5]: node "DC-LYON" is not down at this time' in found


def test_event_references_and_values_are_checked():
    data = small_dict()
    data["events"] = [
        {"at": "09:00", "type": "receipt", "node": "DC-NOWHERE", "sku": "SKU-00001", "qty": 1},
        {"at": "09:00", "type": "receipt", "node": "DC-LYON", "sku": "SKU-TYPO", "qty": 1},
        {"at": "09:00", "type": "receipt", "node": "DC-LYON", "sku": "SKU-00001", "qty": 0},
        {"at": "09:00", "type": "capacity", "node": "DC-LYON"},
        {"at": "9h", "type": "flood", "node": "DC-LYON"},
        {"at": "09:00", "type": "outage", "node": "DC-LYON", "kind": "store"},
        {"at": "09:00", "type": "outage", "kind": "kiosk"},
    ]
    found = problems_of(data)
    assert found == [
        'events[0].node: unknown node "DC-NOWHERE"',
        'events[1].sku: unknown SKU "SKU-TYPO" (not in the inventory or the demand)',
        "events[2].qty: must be >= 1, got 0",
        'events[3]: needs exactly one of "capacity_units" and "factor"',
        "events[4].type: must be one of ['adjustment', 'capacity', 'outage', 'receipt', "
        "'recovery', 'returns_rate'], got \"flood\"",
        'events[5]: needs exactly one of "node" and "kind"',
        'events[6].kind: no node has kind "kiosk"',
    ]


def test_an_adjustment_changes_a_stocked_sku_by_a_whole_number_of_units_other_than_0():
    data = small_dict()
    data["events"] = [
        {"at": "09:00", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-00001", "delta": -2},
        {"at": "09:00", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-00001", "delta": 0},
        {"at": "09:00", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-00001", "qty": 1},
        {"at": "09:00", "type": "adjustment", "node": "DC-LYON", "sku": "SKU-TYPO", "delta": 1},
    ]
    assert problems_of(data) == [
        "events[1].delta: must not be 0, got 0",
        "events[2].qty: unknown field (expected one of ['at', 'delta', 'node', 'note', 'sku', "
        "'type'])",
        "events[2].delta: missing field",
        'events[3].sku: unknown SKU "SKU-TYPO" (not in the inventory or the demand)',
    ]
    del data["events"][1:]
    (adjustment,) = parse_scenario(data).events
    assert isinstance(adjustment, Adjustment) and (adjustment.delta, adjustment.at_s) == (-2, 3600)


def test_a_returns_rate_event_needs_a_returns_section():
    data = small_dict()
    del data["returns"]
    assert problems_of(data) == ['events[4].type: a returns_rate event needs a "returns" section']


# ---------------------------------------------------------------- sections


def test_every_problem_of_a_broken_scenario_is_reported_at_once():
    data = small_dict()
    data["version"] = 2
    del data["clock"]["date"]
    data["network"]["nodes"][0]["lat"] = 95
    data["demand"]["model"]["hourly_weights"] = [1, 2, 3]
    data["wave"]["perod_minutes"] = 15
    data["returns"]["rate"] = 1.5
    data["calendars"]["store"]["cutoff"] = "08:00"
    found = problems_of(data)
    assert "version: must be 1, got 2" in found
    assert "clock.date: missing field" in found
    assert any(
        p.startswith('network: nodes[0] (id "DC-PARIS"): "lat" must be within') for p in found
    )
    assert "demand.model.hourly_weights: must list 24 numbers, got [1, 2, 3]" in found
    assert any(p.startswith("wave.perod_minutes: unknown field") for p in found)
    assert "returns.rate: must be within [0, 1], got 1.5" in found
    assert any(p.startswith("calendars.store: cutoff: 08:00:00 must be in (opens") for p in found)


def test_a_scenario_needs_exactly_one_kind_of_demand():
    data = small_dict()
    data["demand"]["orders_csv"] = "x.csv"
    assert problems_of(data) == ['demand: needs exactly one of "model" and "orders_csv"']


def test_the_clock_must_end_after_it_starts_and_know_its_time_zone():
    data = small_dict()
    data["clock"].update(start="20:00", end="08:00")
    assert problems_of(data) == ['clock.end: must be after clock.start ("20:00"), got "08:00"']
    data["clock"].update(start="08:00", end="20:00", timezone="Europe/Lyon")
    assert problems_of(data) == [
        'clock.timezone: must be an IANA time zone such as Europe/Paris, got "Europe/Lyon"'
    ]


def test_weights_that_fall_outside_the_day_are_refused():
    data = small_dict()
    data["demand"]["model"]["hourly_weights"] = [1] * 6 + [0] * 18  # all before 08:00
    assert problems_of(data) == [
        "demand.model.hourly_weights: no positive weight inside the simulated day"
    ]


def test_csv_problems_name_the_line_or_the_order(tmp_path):
    write_rows(
        tmp_path / "tiny.orders.csv",
        [
            ["O-1", "08:00", "48.85", "2.35", "ship", "", "", "O-1-1", "SKU-A", "two"],
            ["O-2", "25:00", "48.85", "2.35", "ship", "", "", "O-2-1", "SKU-A", "1"],
            ["O-3", "23:30", "48.85", "2.35", "ship", "", "", "O-3-1", "SKU-A", "1"],
            ["O-4", "08:00", "48.85", "2.35", "pickup", "DC-LYON", "", "O-4-1", "SKU-A", "1"],
            ["O-4", "08:05", "48.85", "2.35", "pickup", "DC-LYON", "", "O-4-2", "SKU-A", "1"],
            ["O-1", "08:00", "48.85", "2.35", "ship", "", "", "O-1-2", "SKU-A", "1"],
        ],
    )
    found = problems_of(tiny_dict(), base_dir=tmp_path)
    where = "demand.orders_csv (tiny.orders.csv)"
    assert found[:4] == [
        f'{where} line 3: time: must be "HH:MM" or "HH:MM:SS", got "25:00"',
        f'{where} line 6: order "O-4": the order columns differ from its first row',
        f'{where} line 7: order "O-1" appears again after other orders',
        f'{where}: orders[0] (id "O-1"): lines[0] (id "O-1-1"): "qty" must be a whole number, '
        'got "two"',
    ]
    assert any('pickup_node "DC-LYON" is not pickup-capable' in p for p in found)


def test_a_csv_with_a_wrong_header_or_missing_file_is_refused(tmp_path):
    (tmp_path / "tiny.orders.csv").write_text("id,when\n", encoding="utf-8")
    assert problems_of(tiny_dict(), base_dir=tmp_path) == [
        "demand.orders_csv: tiny.orders.csv: the header must be "
        "order_id,time,lat,lon,delivery,pickup_node,max_shipments,line_id,sku,qty[,service]"
    ]
    found = problems_of(tiny_dict(demand={"orders_csv": "nowhere.csv"}), base_dir=tmp_path)
    assert len(found) == 1 and found[0].startswith("demand.orders_csv: cannot read")


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid JSON"):
        load_scenario(path)


def test_an_order_outside_the_day_is_named(tmp_path):
    rows = [["O-9", "06:59", "48.85", "2.35", "ship", "", "", "O-9-1", "SKU-A", "1"]]
    with pytest.raises(ValidationError) as caught:
        tiny(tmp_path, rows)
    assert caught.value.problems == [
        'demand.orders_csv (tiny.orders.csv): order "O-9": time is outside the simulated day'
    ]


def test_a_calendar_for_an_unknown_kind_is_refused():
    data = small_dict()
    data["calendars"]["kiosk"] = {"cutoff": "12:00"}
    found = problems_of(data)
    assert found == ["calendars.kiosk: no node has this kind (kinds: ['store', 'warehouse'])"]


def test_a_valid_scenario_round_trips_through_a_file(tmp_path):
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small_dict()), encoding="utf-8")
    assert load_scenario(path).name == "small"
