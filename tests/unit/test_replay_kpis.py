"""KPI definitions checked on the tiny scenario, where every figure is computed by hand.

The day (a Tuesday): O-1 at 08:00 ships 2 x SKU-A and 1 x SKU-B to Paris (at most 2 shipments),
O-2 at 08:10 collects 1 x SKU-B at the Paris store, O-3 at 09:00 ships 1 x SKU-A to Lyon. The Lyon
warehouse holds 5 x SKU-A, the Paris store the only SKU-B.
- online: O-1 takes SKU-A from Lyon and the store's SKU-B (a split), O-2 goes unfilled, O-3 ships
  from Lyon.
- wave (hourly releases at 09:00, 10:00): O-1 and O-2 are solved together at 09:00; giving the
  SKU-B to O-2 (collected in its own store: no shipment) is cheaper than shipping it to O-1, so
  O-1's SKU-B goes unfilled; O-3 is released at 10:00.
"""

from __future__ import annotations

import math

import pytest

from oms.domain.geo import haversine_km
from oms.replay.day import build_day
from oms.replay.kpis import KPIS, kpi_definition
from oms.replay.report import kpis_csv
from oms.replay.runner import ReplayOptions, replay_day
from tests.unit.test_replay_fixtures import tiny

LYON, PARIS_STORE = (45.75, 4.85), (48.86, 2.35)
O1, O3 = (48.85, 2.35), (45.76, 4.84)


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(haversine_km(a[0], a[1], b[0], b[1]))


def kpis_of(scenario, *strategies: str, with_bound: bool = False):
    result = replay_day(build_day(scenario), ReplayOptions(strategies, with_bound=with_bound))
    return {s.run.name: s.kpis for s in result.strategies}, result


def test_online_kpis_match_the_hand_computed_day(tmp_path):
    k = kpis_of(tiny(tmp_path), "online")[0]["online"]
    d1, d2, d3 = km(LYON, O1), km(PARIS_STORE, O1), km(LYON, O3)
    shipping = (4.5 + 0.006 * d1) + (6.0 + 0.008 * d2) + (4.5 + 0.006 * d3)
    handling = 0.35 * 3 + 0.9 * 1
    total = shipping + handling + 1.5 * 1 + 100.0 * 1
    assert k["orders"] == 3 and k["units"] == 5
    assert k["total_cost"] == pytest.approx(total)
    assert k["shipping_cost"] == pytest.approx(shipping)
    assert k["handling_cost"] == pytest.approx(handling)
    assert k["split_cost"] == 1.5 and k["unfilled_cost"] == 100.0
    assert k["cost_per_order"] == pytest.approx(total / 3)
    assert k["shipments_per_order"] == 3 / 2  # 3 shipments over 2 sourced orders
    assert k["split_rate"] == 1 / 2
    assert k["avg_distance_km"] == pytest.approx((d1 + d2 + d3) / 3)
    assert k["fill_rate"] == 4 / 5 and k["unfilled_units"] == 1
    assert k["ship_from_store_share"] == 1 / 4  # the SKU-B the store ships to O-1
    assert k["pickup_share"] == 0.0
    assert k["omnichannel_order_share"] == 1 / 2  # O-1 involves the store, O-3 does not
    assert k["processing_minutes"] == 0.0
    assert k["availability_rate"] == 3 / 4  # O-2's SKU-B was gone when it arrived
    assert k["on_time_rate"] == 1.0  # Lyon -> Paris: 2 days, as promised from Lyon


def test_wave_kpis_match_the_hand_computed_day(tmp_path):
    k = kpis_of(tiny(tmp_path), "wave")[0]["wave"]
    d1, d3 = km(LYON, O1), km(LYON, O3)
    shipping = (4.5 + 0.006 * d1) + 0.0 + (4.5 + 0.006 * d3)
    total = shipping + (0.35 * 3 + 0.9) + 0.0 + 100.0
    assert k["total_cost"] == pytest.approx(total)
    assert k["split_rate"] == 0.0 and k["shipments_per_order"] == 1.0
    assert k["pickup_share"] == 1 / 4 and k["ship_from_store_share"] == 0.0
    assert k["omnichannel_order_share"] == 1 / 3
    assert k["processing_minutes"] == pytest.approx((60 + 50 + 60) / 3)
    assert k["availability_rate"] == 1.0  # nothing was taken before anyone arrived
    assert k["on_time_rate"] == 1.0


def test_a_wave_released_at_the_cut_off_misses_the_promise(tmp_path):
    rows = [["O-1", "13:50", "48.85", "2.35", "ship", "", "", "O-1-1", "SKU-A", "1"]]
    k, _ = kpis_of(tiny(tmp_path, rows), "online", "wave")
    assert k["online"]["on_time_rate"] == 1.0
    assert k["wave"]["on_time_rate"] == 0.0  # released at 14:00: leaves Lyon a day later
    assert k["wave"]["processing_minutes"] == 10.0


def test_kpis_without_their_model_are_not_applicable(tmp_path):
    k = kpis_of(tiny(tmp_path), "online")[0]["online"]
    for key in ("stock_accuracy", "order_error_rate", "return_rate", "cross_channel_return_rate"):
        assert k[key] is None
    assert k["lower_bound"] is None and k["gap_to_bound"] is None


def test_not_applicable_kpis_are_empty_cells_in_the_csv(tmp_path):
    _, result = kpis_of(tiny(tmp_path), "online")
    header, row = kpis_csv(result).splitlines()
    cells = dict(zip(header.split(","), row.split(","), strict=True))
    assert cells["stock_accuracy"] == "" and cells["return_rate"] == ""
    assert cells["fill_rate"] == "0.8000" and cells["orders"] == "3"


def test_a_shelf_short_of_the_system_count_makes_an_order_error(tmp_path):
    accuracy = {"by_kind": {"store": 0.0}, "max_missing": 1}  # every store record is 1 short
    k = kpis_of(tiny(tmp_path, inventory_accuracy=accuracy), "online")[0]["online"]
    assert k["stock_accuracy"] == 1 / 2  # the Lyon record is right, the Paris one is not
    assert k["order_error_rate"] == 1 / 2  # O-1's SKU-B was not on the shelf; O-3 is fine


def test_every_filled_line_returned_to_a_store_is_cross_channel(tmp_path):
    k = kpis_of(tiny(tmp_path, returns={"rate": 1.0, "store_share": 1.0}), "online")[0]
    assert k["online"]["return_rate"] == 1.0
    assert k["online"]["cross_channel_return_rate"] == 1.0


def test_home_deliveries_mailed_back_are_not_cross_channel(tmp_path):
    k = kpis_of(tiny(tmp_path, returns={"rate": 1.0, "store_share": 0.0}), "online")[0]
    assert k["online"]["return_rate"] == 1.0
    assert k["online"]["cross_channel_return_rate"] == 0.0


def test_without_returns_the_cross_channel_rate_is_not_applicable(tmp_path):
    k = kpis_of(tiny(tmp_path, returns={"rate": 0.0, "store_share": 1.0}), "online")[0]
    assert k["online"]["return_rate"] == 0.0
    assert k["online"]["cross_channel_return_rate"] is None


def test_the_gap_is_measured_against_a_bound_below_every_strategy(tmp_path):
    k, result = kpis_of(tiny(tmp_path), "online", "wave", "priority", with_bound=True)
    assert result.bound is not None and result.bound.converged
    for values in k.values():
        assert values["lower_bound"] <= values["total_cost"] + 1e-9
        gap = (values["total_cost"] - values["lower_bound"]) / values["total_cost"]
        assert values["gap_to_bound"] == pytest.approx(gap)


def test_the_kpis_over_time_add_up_to_the_day(tmp_path):
    _, result = kpis_of(tiny(tmp_path), "online", "wave")
    for s in result.strategies:
        series = s.series
        seen = ~(series.orders == 0)
        assert series.orders.sum() == 3
        day_cost = float((series.cost_per_order[seen] * series.orders[seen]).sum())
        assert day_cost == pytest.approx(s.kpis["total_cost"])
        assert math.isnan(series.fill_rate[0])  # 07:00-08:00: no order yet


def test_every_kpi_states_its_formula():
    assert len({spec.key for spec in KPIS}) == len(KPIS)
    for spec in KPIS:
        assert len(kpi_definition(spec.key)) >= 10, spec.key


def test_a_receipt_puts_real_units_on_a_short_shelf(tmp_path):
    accuracy = {"by_kind": {"store": 0.0}, "max_missing": 1}
    receipt = {"at": "07:30", "type": "receipt", "node": "ST-PARIS", "sku": "SKU-B", "qty": 1}
    scenario = tiny(tmp_path, inventory_accuracy=accuracy, events=[receipt])
    k = kpis_of(scenario, "online")[0]["online"]
    assert k["fill_rate"] == 1.0  # 2 SKU-B in the system: O-1 and O-2 both get one
    # The shelf holds only the received unit: O-1 picks it, O-2 finds nothing (1 of 3 orders).
    assert k["order_error_rate"] == 1 / 3


def test_stock_at_a_node_that_is_down_is_not_available(tmp_path):
    outage = {"at": "07:30", "type": "outage", "node": "ST-PARIS"}
    k = kpis_of(tiny(tmp_path, events=[outage]), "online")[0]["online"]
    assert k["availability_rate"] == 2 / 4  # both SKU-B lines: the only SKU-B is in the store
    assert k["fill_rate"] == 3 / 5
