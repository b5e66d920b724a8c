"""Disposition at receipt: by condition, local need and value; restocks feed ATP once."""

from __future__ import annotations

import pytest

from oms.inventory.atp import StockRow
from oms.returns import (
    Condition,
    Disposition,
    ReceivedLine,
    ReturnNode,
    ReturnPolicy,
    StockNeed,
    decide_receipt,
    restock_rows,
)

LYON = ReturnNode("DC-LYON", "warehouse", 45.75, 4.85, True, shipment_cost=4.5, cost_per_km=0.006)
LILLE = ReturnNode("DC-LILLE", "warehouse", 50.63, 3.06, True, 4.5, 0.006)
STORE = ReturnNode("S-PARIS", "store", 48.86, 2.34, True, shipment_cost=6.0, cost_per_km=0.01)
NODES = [LYON, LILLE, STORE]
POLICY = ReturnPolicy()  # refurbish from 2000 minor units
# From the Paris store, by its own terms: Lille 6.0 + 0.01 * 203.50 km = 8.035 -> 804 minor units,
# Lyon 6.0 + 0.01 * 394.16 km = 9.94 -> 995.


def line(condition, value=1000, qty=1, sku="SKU-1", line_id="L1", vendor=False):
    return ReceivedLine(line_id, sku, qty, Condition(condition), value, vendor)


def decide_one(received, at=STORE, needs=None, nodes=NODES):
    [decision] = decide_receipt([received], at, nodes, needs or {}, POLICY)
    return decision


def test_a_sellable_unit_received_at_a_dc_is_restocked_there():
    d = decide_one(line("sellable"), at=LYON)
    assert (d.disposition, d.node_id) == (Disposition.RESTOCK, "DC-LYON")


def test_a_sellable_unit_is_restocked_at_a_store_short_of_it():
    d = decide_one(line("sellable"), needs={("S-PARIS", "SKU-1"): StockNeed(2, 3.5)})
    assert (d.disposition, d.node_id) == (Disposition.RESTOCK, "S-PARIS")
    assert d.reason == "sellable, node short: atp 2 < expected demand 3.5"


def test_a_sellable_unit_a_store_does_not_need_goes_to_the_nearest_dc():
    d = decide_one(line("sellable", value=900))
    assert (d.disposition, d.node_id) == (Disposition.TRANSFER_TO_DC, "DC-LILLE")
    assert d.reason == "sellable, node not short; transfer costs 804 < value 900"


def test_the_dc_most_short_of_the_sku_is_preferred_to_the_nearest():
    needs = {("DC-LYON", "SKU-1"): StockNeed(0, 4.0), ("DC-LILLE", "SKU-1"): StockNeed(0, 1.0)}
    d = decide_one(line("sellable", value=1000), needs=needs)
    assert (d.disposition, d.node_id) == (Disposition.TRANSFER_TO_DC, "DC-LYON")


@pytest.mark.parametrize(("value", "qty"), [(804, 1), (402, 2), (100, 1)])
def test_a_transfer_that_costs_as_much_as_the_units_are_worth_is_not_made(value, qty):
    d = decide_one(line("sellable", value=value, qty=qty))
    assert (d.disposition, d.node_id) == (Disposition.RESTOCK, "S-PARIS")
    assert "DC-LILLE costs 804 >= value" in d.reason


def test_the_transfer_compares_its_cost_with_the_value_of_all_the_lines_units():
    d = decide_one(line("sellable", value=403, qty=2))
    assert d.disposition is Disposition.TRANSFER_TO_DC


def test_without_a_dc_a_sellable_unit_is_restocked_where_it_is():
    d = decide_one(line("sellable"), nodes=[STORE])
    assert (d.disposition, d.node_id) == (Disposition.RESTOCK, "S-PARIS")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2000, Disposition.REFURBISH), (5000, Disposition.REFURBISH), (1999, Disposition.LIQUIDATE)],
)
def test_a_damaged_unit_is_refurbished_from_the_policy_threshold_else_liquidated(value, expected):
    d = decide_one(line("damaged", value=value))
    assert (d.disposition, d.node_id) == (expected, None)


@pytest.mark.parametrize(
    ("vendor", "expected"), [(True, Disposition.RETURN_TO_VENDOR), (False, Disposition.LIQUIDATE)]
)
def test_a_defective_unit_goes_back_to_the_vendor_when_it_takes_it_else_is_liquidated(
    vendor, expected
):
    d = decide_one(line("defective", value=99_999, vendor=vendor))
    assert (d.disposition, d.node_id) == (expected, None)


def test_units_restocked_by_one_line_count_for_the_next_lines_of_the_receipt():
    needs = {("S-PARIS", "SKU-1"): StockNeed(2, 3.0)}  # short by one unit
    first, second = decide_receipt(
        [line("sellable", line_id="L1"), line("sellable", line_id="L2")],
        STORE,
        NODES,
        needs,
        POLICY,
    )
    assert first.disposition is Disposition.RESTOCK
    assert (second.disposition, second.node_id) == (Disposition.TRANSFER_TO_DC, "DC-LILLE")


def test_restock_rows_hold_only_restocks_merged_per_node_and_sku_in_lock_order():
    needs = {("S-PARIS", "SKU-1"): StockNeed(0, 10.0), ("S-PARIS", "SKU-0"): StockNeed(0, 10.0)}
    received = [
        line("sellable", qty=2, line_id="L1"),
        line("sellable", qty=1, sku="SKU-0", line_id="L2"),
        line("sellable", qty=3, line_id="L3"),
        line("damaged", value=5000, line_id="L4"),
        line("sellable", value=5000, sku="SKU-7", line_id="L5"),  # not needed here: transferred
    ]
    decisions = decide_receipt(received, STORE, NODES, needs, POLICY)
    assert [d.disposition for d in decisions][3:] == [
        Disposition.REFURBISH,
        Disposition.TRANSFER_TO_DC,
    ]
    assert restock_rows(decisions) == [
        StockRow("S-PARIS", "SKU-0", 1),
        StockRow("S-PARIS", "SKU-1", 5),
    ]
