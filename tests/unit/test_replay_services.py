"""The replay's on-time KPI follows each order's service: promised and measured by the one
promise-date rule, with the express carrier for orders that chose it (standard otherwise)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np

from oms.replay.day import build_day
from oms.replay.ontime import actual_dates, promised_dates
from oms.replay.orders_csv import COLUMNS, write_orders_csv
from oms.replay.runner import ReplayOptions, replay_day
from oms.replay.scenario import load_scenario, parse_scenario
from oms.replay.scenario_types import OrderStream, Scenario
from oms.sourcing.contract import Allocations
from tests.unit.test_replay_fixtures import small_dict, tiny_dict
from tests.unit.test_replay_scenario import problems_of

# Tuesday 1 December 2026; Lyon -> Paris is ~390 km: standard 2 days, express 1.
TUESDAY = date(2026, 12, 1)
EXPRESS_TO_PARIS = ["O-1", "08:00", "48.85", "2.35", "ship", "", "", "O-1-1", "SKU-A", "1"]
STANDARD_TO_PARIS = ["O-2", "08:00", "48.85", "2.35", "ship", "", "", "O-2-1", "SKU-A", "1"]
BOTH = [(EXPRESS_TO_PARIS, "express"), (STANDARD_TO_PARIS, "")]


def with_services(tmp_path: Path, rows: list[tuple[list[str], str]], **fields) -> Scenario:
    """The tiny scenario whose CSV carries a service column."""
    lines = [",".join((*COLUMNS, "service"))] + [",".join([*r, s]) for r, s in rows]
    (tmp_path / "tiny.orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_dict(**fields)), encoding="utf-8")
    return load_scenario(path)


def ordinal(days: int) -> int:
    return TUESDAY.toordinal() + days


def test_an_express_order_is_promised_the_express_date_and_a_standard_one_the_standard(tmp_path):
    day = build_day(with_services(tmp_path, BOTH))
    assert day.express.tolist() == [True, False]
    assert promised_dates(day).tolist() == [ordinal(1), ordinal(2)]


def test_a_shipment_is_measured_with_the_orders_service(tmp_path):
    day = build_day(with_services(tmp_path, BOTH))
    from_lyon = Allocations.from_rows([(0, 0, 0, 1), (1, 1, 0, 1)])  # both from DC-LYON
    released_at_arrival = day.arrival_s.copy()
    assert actual_dates(day, from_lyon, released_at_arrival).tolist() == [ordinal(1), ordinal(2)]


def test_on_time_uses_the_service_an_express_order_released_after_the_cut_off_is_late(tmp_path):
    late = ["O-1", "13:50", "48.85", "2.35", "ship", "", "", "O-1-1", "SKU-A", "1"]
    scenario = with_services(tmp_path, [(late, "express")])
    result = replay_day(build_day(scenario), ReplayOptions(("online", "wave"), with_bound=False))
    k = {s.run.name: s.kpis for s in result.strategies}
    assert k["online"]["on_time_rate"] == 1.0  # leaves Tuesday: Wednesday, as promised
    assert k["wave"]["on_time_rate"] == 0.0  # released at 14:00: leaves Wednesday, Thursday


def test_an_express_order_from_nearby_is_promised_what_standard_would_be(tmp_path):
    near = ["O-1", "08:00", "45.76", "4.84", "ship", "", "", "O-1-1", "SKU-A", "1"]
    day = build_day(with_services(tmp_path, [(near, "express")]))
    assert promised_dates(day).tolist() == [ordinal(1)]  # 1 km from Lyon: next day either way


def test_a_pickup_order_is_click_and_collect_whether_it_says_so_or_not(tmp_path):
    pickup = ["O-1", "08:10", "48.80", "2.30", "pickup", "ST-PARIS", "", "O-1-1", "SKU-B", "1"]
    day = build_day(with_services(tmp_path, [(pickup, "click_and_collect")]))
    assert day.express.tolist() == [False]
    assert promised_dates(day).tolist() == [ordinal(0)]  # picked in the store that morning


def test_a_service_that_is_unknown_or_does_not_fit_the_delivery_is_refused_naming_the_line(
    tmp_path,
):
    pickup = ["O-3", "08:10", "48.80", "2.30", "pickup", "ST-PARIS", "", "O-3-1", "SKU-B", "1"]
    lines = [
        ",".join((*COLUMNS, "service")),
        ",".join([*EXPRESS_TO_PARIS, "overnight"]),
        ",".join([*STANDARD_TO_PARIS, "click_and_collect"]),
        ",".join([*pickup, "express"]),
    ]
    (tmp_path / "tiny.orders.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = "demand.orders_csv (tiny.orders.csv)"
    assert problems_of(tiny_dict(), base_dir=tmp_path) == [
        f"{where} line 2: service: must be one of standard, express, click_and_collect "
        '(or empty), got "overnight"',
        f"{where} line 3: service: click_and_collect is collected at a store, "
        'but delivery is "ship"',
        f'{where} line 4: service: express delivers to an address, but delivery is "pickup"',
    ]


def test_the_demand_models_express_share_draws_express_ship_orders_and_changes_nothing_else():
    plain = build_day(parse_scenario(small_dict(2000)))
    data = small_dict(2000)
    data["demand"]["model"]["express_share"] = 0.3
    day = build_day(parse_scenario(data))
    assert not plain.express.any()
    assert day.problem.orders.line_ids == plain.problem.orders.line_ids
    assert np.array_equal(day.arrival_s, plain.arrival_s)
    assert np.array_equal(day.return_draw, plain.return_draw)
    o = day.problem.orders
    assert not day.express[o.is_pickup].any()
    assert 0.25 < day.express[~o.is_pickup].mean() < 0.35


def test_express_orders_survive_a_round_trip_through_csv(tmp_path):
    data = small_dict(60)
    data["demand"]["model"]["express_share"] = 0.5
    day = build_day(parse_scenario(data))
    o, clock = day.problem.orders, day.scenario.clock
    labels = [clock.label(s, "%H:%M:%S") for s in day.arrival_s.tolist()]
    path = tmp_path / "o.csv"
    write_orders_csv(path, o, labels, day.problem.nodes.ids, day.problem.sku_ids, day.express)
    assert path.read_text(encoding="utf-8").splitlines()[0].endswith(",qty,service")
    again = parse_scenario(small_dict(60, demand={"orders_csv": "o.csv"}), base_dir=tmp_path)
    assert isinstance(again.demand, OrderStream) and again.demand.express is not None
    assert np.array_equal(again.demand.express, day.express)
