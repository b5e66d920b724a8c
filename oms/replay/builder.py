"""The shipped scenarios (scenarios/*-fr.json), written from seeded generators.

Networks and stock come from the demo generator (`demo.generate_problem`: real French cities,
warehouses at logistics hubs, stores by population, Zipf demand, scarce SKUs). The demand model's
SKU weights are the generator's own demand for the same number of orders, so that stock and demand
fit the way the generator meant. Regenerate with `python -m oms.replay.builder [DIR]`; the same
code gives byte-identical files.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from oms.replay.day import build_day
from oms.replay.orders_csv import write_orders_csv
from oms.replay.scenario import parse_scenario
from oms.sourcing.demo import generate_problem

Record = dict[str, Any]
# Arrival weights per local hour (0-23).
WEEKDAY_HOURS = [0, 0, 0, 0, 0, 0, 0, 3, 5, 6, 7, 8, 9, 7, 6, 6, 7, 8, 10, 11, 10, 8, 5, 3]
FLASH_SALE_HOURS = [0, 0, 0, 0, 0, 0, 0, 2, 4, 6, 8, 12, 16, 12, 7, 6, 6, 8, 12, 15, 13, 9, 5, 2]
BLACK_FRIDAY_HOURS = [
    4,
    2,
    1,
    1,
    1,
    2,
    4,
    6,
    8,
    9,
    10,
    11,
    12,
    11,
    10,
    10,
    11,
    12,
    14,
    16,
    17,
    15,
    11,
    7,
]
CALENDARS: Record = {
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
        "pick_lead_minutes": 120,
    },
}


def network_and_weights(generated: Record) -> tuple[Record, dict[str, int]]:
    """The scenario's network section, and SKU weights: the generator's demand plus one (so that
    every SKU of the catalogue sells now and then)."""
    demand: Counter[str] = Counter()
    for order in generated["orders"]:
        for line in order["lines"]:
            demand[line["sku"]] += line["qty"]
    skus = sorted({row["sku"] for row in generated["inventory"]} | set(demand))
    network = {k: generated[k] for k in ("settings", "nodes", "inventory")}
    return network, {sku: demand[sku] + 1 for sku in skus}


def top_skus(weights: dict[str, int], k: int) -> list[str]:
    return [s for s, _ in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]


def weekday() -> Record:
    network, weights = _network(seed=20261201, orders=3000, scarce_sku_share=0.02)
    top = top_skus(weights, 2)
    return _scenario(
        "weekday-fr",
        "A calm Tuesday in France: ample stock, a morning and an afternoon delivery at the Lyon "
        "warehouse, usual returns.",
        seed=20261201,
        clock=_clock("2026-12-01", "07:00", "23:00"),
        demand={"model": _model(3000, WEEKDAY_HOURS, weights, pickup_share=0.15)},
        events=[
            {"at": "10:00", "type": "receipt", "node": "DC-LYON", "sku": top[0], "qty": 60},
            {"at": "15:00", "type": "receipt", "node": "DC-LYON", "sku": top[1], "qty": 60},
        ],
        network=network,
    )


def black_friday() -> Record:
    network, weights = _network(
        seed=20261127,
        orders=6000,
        scarce_sku_share=0.2,
        scarce_fill=(0.3, 0.8),
        store_capacity=(5, 20),
    )
    receipts = [
        {"at": "12:00", "type": "receipt", "node": "DC-PARIS", "sku": sku, "qty": 80}
        for sku in top_skus(weights, 3)
    ]
    rush = {"at": "17:00", "type": "capacity", "kind": "store", "factor": 0.5}
    return _scenario(
        "black-friday-fr",
        "Black Friday: twice the orders, a fifth of the catalogue scarce, small store capacities "
        "that halve in the evening rush, more returns.",
        seed=20261127,
        clock=_clock("2026-11-27", "00:00", "24:00"),
        demand={"model": _model(6000, BLACK_FRIDAY_HOURS, weights, pickup_share=0.25)},
        events=[
            *receipts,
            {**rush, "note": "stores busy with walk-in shoppers"},
            {"at": "20:00", "type": "returns_rate", "rate": 0.18},
        ],
        network=network,
        accuracy={"warehouse": 0.98, "store": 0.88},
        returns={"rate": 0.12, "store_share": 0.35},
        wave_minutes=20,
    )


def flash_sale() -> Record:
    """The second scarce day the look-ahead policy is measured on: another seed and catalogue,
    a third of it scarce, more click-and-collect, tiny stores, a lunchtime and an evening peak,
    the Lyon warehouse's capacity cut at 15:00."""
    network, weights = _network(
        seed=20261214,
        orders=4000,
        scarce_sku_share=0.3,
        scarce_fill=(0.3, 0.7),
        store_capacity=(4, 14),
    )
    receipts = [
        {"at": "14:00", "type": "receipt", "node": "DC-LYON", "sku": sku, "qty": 40}
        for sku in top_skus(weights, 2)
    ]
    cut = {"at": "15:00", "type": "capacity", "node": "DC-LYON", "capacity_units": 600}
    return _scenario(
        "flash-sale-fr",
        "A Monday flash sale: a third of the catalogue scarce, a third of the orders collected in "
        "store, stores of 4-14 units a day, the Lyon warehouse short-staffed from 15:00.",
        seed=20261214,
        clock=_clock("2026-12-14", "07:00", "23:00"),
        demand={"model": _model(4000, FLASH_SALE_HOURS, weights, pickup_share=0.35)},
        events=[*receipts, {**cut, "note": "half the pickers sent home"}],
        network=network,
        accuracy={"warehouse": 0.98, "store": 0.9},
        returns={"rate": 0.1, "store_share": 0.35},
        wave_minutes=20,
    )


def dc_outage(csv_name: str) -> tuple[Record, Record]:
    """The scenario with its explicit order stream, and the same scenario with the demand model
    that drew the stream (to write the CSV from)."""
    network, weights = _network(seed=20261203, orders=3000, scarce_sku_share=0.02)
    scenario = _scenario(
        "dc-outage-fr",
        "A Thursday on which the Paris warehouse goes down at noon and comes back at 18:00; the "
        "order stream is explicit (CSV).",
        seed=20261203,
        clock=_clock("2026-12-03", "07:00", "23:00"),
        demand={"orders_csv": csv_name},
        events=[
            {"at": "12:00", "type": "outage", "node": "DC-PARIS", "note": "sorter failure"},
            {"at": "18:00", "type": "recovery", "node": "DC-PARIS"},
        ],
        network=network,
    )
    drawn = {**scenario, "demand": {"model": _model(3000, WEEKDAY_HOURS, weights, 0.15)}}
    return scenario, drawn


def _network(*, seed: int, orders: int, **generator: Any) -> tuple[Record, dict[str, int]]:
    """4 warehouses, 60 stores, 300 SKUs from the demo generator, sized for `orders`."""
    generated = generate_problem(
        seed=seed, n_warehouses=4, n_stores=60, n_skus=300, n_orders=orders, **generator
    )
    return network_and_weights(generated)


def _clock(day: str, start: str, end: str) -> Record:
    return {"date": day, "timezone": "Europe/Paris", "start": start, "end": end}


def _scenario(
    name: str,
    description: str,
    *,
    seed: int,
    clock: Record,
    demand: Record,
    events: list[Record],
    network: Record,
    accuracy: dict[str, float] | None = None,
    returns: Record | None = None,
    wave_minutes: int = 30,
) -> Record:
    """A shipped scenario: the sections every one has, in the order files show them."""
    return {
        "version": 1,
        "name": name,
        "description": description,
        "seed": seed,
        "clock": clock,
        "demand": demand,
        "events": events,
        "calendars": CALENDARS,
        "inventory_accuracy": {
            "by_kind": accuracy or {"warehouse": 0.99, "store": 0.93},
            "max_missing": 2,
        },
        "returns": returns or {"rate": 0.08, "store_share": 0.3},
        "wave": {"period_minutes": wave_minutes, "time_limit_s": 2},
        "bound": {"time_limit_s": 60},
        "network": network,
    }


def _model(orders: int, hours: list[int], weights: dict[str, int], pickup_share: float) -> Record:
    return {
        "orders": orders,
        "hourly_weights": hours,
        "lines_per_order": [0.55, 0.30, 0.10, 0.05],
        "units_per_line": [0.80, 0.15, 0.05],
        "max_shipments": [0.80, 0.10, 0.10],
        "pickup_share": pickup_share,
        "sku_weights": weights,
    }


def dumps_scenario(scenario: Record) -> str:
    """JSON for people: an object goes on one line when it fits in 100 characters, else one
    field per line; a list of records gets one record per line (readable diffs)."""
    return _dump(scenario, 0) + "\n"


def _dump(value: Any, depth: int) -> str:
    flat = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        rows = ",\n".join(
            inner + json.dumps(v, ensure_ascii=False, separators=(",", ":")) for v in value
        )
        return f"[\n{rows}\n{pad}]"
    if isinstance(value, dict) and len(flat) + depth > 100:
        fields = ",\n".join(
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, depth + 1)}"
            for k, v in value.items()
        )
        return f"{{\n{fields}\n{pad}}}"
    return flat


def write_shipped(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    shipped = (
        ("weekday-fr", weekday()),
        ("black-friday-fr", black_friday()),
        ("flash-sale-fr", flash_sale()),
    )
    for name, scenario in shipped:
        path = directory / f"{name}.json"
        path.write_text(dumps_scenario(scenario), encoding="utf-8")
        written.append(path)
    csv_name = "dc-outage-fr.orders.csv"
    scenario, drawn = dc_outage(csv_name)
    day = build_day(parse_scenario(drawn, base_dir=directory))
    clock = day.scenario.clock
    labels = [clock.label(s, "%H:%M:%S") for s in day.arrival_s.tolist()]
    p = day.problem
    write_orders_csv(directory / csv_name, p.orders, labels, p.nodes.ids, p.sku_ids)
    path = directory / "dc-outage-fr.json"
    path.write_text(dumps_scenario(scenario), encoding="utf-8")
    return [*written, directory / csv_name, path]


if __name__ == "__main__":
    for written_path in write_shipped(Path(sys.argv[1] if len(sys.argv) > 1 else "scenarios")):
        print(written_path)
