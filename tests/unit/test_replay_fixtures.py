"""Small scenarios the replay tests share (built in code, written to a temporary folder).

`tiny` is the README's two-node network (a Lyon warehouse, a Paris store) with an explicit order
stream, small enough to compute every KPI by hand; `small` is a seeded demand model on a generated
network of 2 warehouses and 8 stores, big enough for waves and events to matter.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from oms.replay.orders_csv import COLUMNS
from oms.replay.scenario import load_scenario, parse_scenario
from oms.replay.scenario_types import Scenario
from oms.sourcing.demo import generate_problem

CALENDARS = {
    "warehouse": {
        "cutoff": "14:00",
        "opens": "07:00",
        "closes": "19:00",
        "open_days": [0, 1, 2, 3, 4],
    },
    "store": {
        "cutoff": "16:00",
        "opens": "09:00",
        "closes": "20:00",
        "open_days": [0, 1, 2, 3, 4, 5],
    },
}
TINY_NODES = [
    {
        "id": "DC-LYON",
        "kind": "warehouse",
        "lat": 45.75,
        "lon": 4.85,
        "can_ship": True,
        "can_pickup": False,
        "capacity_units": None,
        "handling_cost": 0.35,
        "shipment_cost": 4.5,
        "cost_per_km": 0.006,
    },
    {
        "id": "ST-PARIS",
        "kind": "store",
        "lat": 48.86,
        "lon": 2.35,
        "can_ship": True,
        "can_pickup": True,
        "capacity_units": 40,
        "handling_cost": 0.9,
        "shipment_cost": 6.0,
        "cost_per_km": 0.008,
    },
]
# O-1 ships to Paris (SKU-A x2, SKU-B x1), O-2 collects SKU-B at the Paris store, O-3 ships SKU-A
# to Lyon. Online, O-1 takes the store's only SKU-B and O-2 goes unfilled (README example).
TINY_ROWS = [
    ["O-1", "08:00", "48.85", "2.35", "ship", "", "2", "O-1-1", "SKU-A", "2"],
    ["O-1", "08:00", "48.85", "2.35", "ship", "", "2", "O-1-2", "SKU-B", "1"],
    ["O-2", "08:10", "48.80", "2.30", "pickup", "ST-PARIS", "", "O-2-1", "SKU-B", "1"],
    ["O-3", "09:00", "45.76", "4.84", "ship", "", "", "O-3-1", "SKU-A", "1"],
]


def tiny_dict(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "name": "tiny",
        "seed": 7,
        "clock": {
            "date": "2026-12-01",
            "timezone": "Europe/Paris",
            "start": "07:00",
            "end": "23:00",
        },
        "network": {
            "settings": {"split_penalty": 1.5, "unfilled_penalty": 100.0, "allow_transfers": True},
            "nodes": copy.deepcopy(TINY_NODES),
            "inventory": [
                {"node": "DC-LYON", "sku": "SKU-A", "qty": 5},
                {"node": "ST-PARIS", "sku": "SKU-B", "qty": 1},
            ],
        },
        "demand": {"orders_csv": "tiny.orders.csv"},
        "calendars": copy.deepcopy(CALENDARS),
        "wave": {"period_minutes": 60, "time_limit_s": 2},
        "bound": {"time_limit_s": 10},
    }
    data.update(fields)
    return data


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    lines = [",".join(COLUMNS), *(",".join(r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny(tmp_path: Path, rows: list[list[str]] | None = None, **fields: Any) -> Scenario:
    """The tiny scenario (fields replace top-level sections), loaded from files in tmp_path."""
    write_rows(tmp_path / "tiny.orders.csv", TINY_ROWS if rows is None else rows)
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_dict(**fields)), encoding="utf-8")
    return load_scenario(path)


def small_dict(orders: int = 240, **fields: Any) -> dict[str, Any]:
    """2 warehouses (Paris, Lyon) and 8 stores, 40 SKUs, a seeded demand model over 08:00-20:00."""
    generated = generate_problem(
        seed=3, n_warehouses=2, n_stores=8, n_skus=40, n_orders=orders, store_capacity=(10, 30)
    )
    data: dict[str, Any] = {
        "version": 1,
        "name": "small",
        "seed": 11,
        "clock": {
            "date": "2026-12-01",
            "timezone": "Europe/Paris",
            "start": "08:00",
            "end": "20:00",
        },
        "network": {k: generated[k] for k in ("settings", "nodes", "inventory")},
        "demand": {"model": {"orders": orders, "pickup_share": 0.2}},
        "calendars": copy.deepcopy(CALENDARS),
        "inventory_accuracy": {"by_kind": {"warehouse": 0.98, "store": 0.85}, "max_missing": 2},
        "returns": {"rate": 0.1, "store_share": 0.3},
        "wave": {"period_minutes": 60, "time_limit_s": 2},
        "bound": {"time_limit_s": 20},
        "events": [
            {"at": "10:00", "type": "receipt", "node": "DC-LYON", "sku": "SKU-00001", "qty": 20},
            {"at": "12:00", "type": "outage", "node": "DC-PARIS"},
            {"at": "15:00", "type": "recovery", "node": "DC-PARIS"},
            {"at": "16:00", "type": "capacity", "kind": "store", "factor": 0.5},
            {"at": "17:00", "type": "returns_rate", "rate": 0.2},
        ],
    }
    data.update(fields)
    return data


def small(orders: int = 240, **fields: Any) -> Scenario:
    return parse_scenario(small_dict(orders, **fields))


def test_the_tiny_scenario_replays_the_readme_orders_in_time_order(tmp_path):
    scenario = tiny(tmp_path)
    assert scenario.demand.orders.ids == ["O-1", "O-2", "O-3"]  # type: ignore[union-attr]
    assert scenario.network.nodes.ids == ["DC-LYON", "ST-PARIS"]


def test_the_small_scenario_has_its_events_in_time_order():
    times = [e.at_s for e in small().events]
    assert times == sorted(times) and len(times) == 5
