"""Routing of mail returns: the least return shipping minus the value of filling a shortage."""

from __future__ import annotations

import pytest

from oms.domain.geo import haversine_km
from oms.returns import (
    NoReturnDestination,
    ReturnNode,
    ReturnPolicy,
    RoutedLine,
    StockNeed,
    route_return,
)

PARIS = (48.85, 2.35)
LYON = ReturnNode("DC-LYON", "warehouse", 45.75, 4.85, True, shipment_cost=4.5, cost_per_km=0.006)
LILLE = ReturnNode("DC-LILLE", "warehouse", 50.63, 3.06, True, 4.5, 0.006)
STORE = ReturnNode("S-PARIS", "store", 48.86, 2.34, True, shipment_cost=6.0, cost_per_km=0.01)
CLOSED = ReturnNode("S-CLOSED", "store", 48.85, 2.35, False, shipment_cost=0.0, cost_per_km=0.0)
NODES = [LYON, LILLE, STORE, CLOSED]
POLICY = ReturnPolicy()  # shortage_weight 0.25, 100 minor units per major


def shipping(node):
    return node.shipment_cost + node.cost_per_km * haversine_km(node.lat, node.lon, *PARIS)


def test_without_shortages_the_cheapest_return_shipping_wins():
    # Lille: 4.5 + 0.006 * 204.4 = 5.73; Paris store: 6.0 + 0.01 * 1.3 = 6.01; Lyon: 6.86.
    choice = route_return([RoutedLine("SKU-1", 1, 2000)], *PARIS, NODES, {}, POLICY)
    assert choice.node_id == "DC-LILLE"
    assert [s.node_id for s in choice.scores] == ["DC-LILLE", "S-PARIS", "DC-LYON"]
    assert choice.scores[0].shipping == pytest.approx(shipping(LILLE))
    assert choice.scores[0].distance_km == pytest.approx(204.39, abs=0.01)
    assert all(s.benefit == 0 for s in choice.scores)


def test_a_node_short_of_the_sku_attracts_the_return_when_that_outweighs_the_extra_shipping():
    # Lyon is short by 5: one unit worth 20.00 is worth 0.25 * 20.00 = 5.00 there.
    needs = {("DC-LYON", "SKU-1"): StockNeed(atp=1, expected_demand=6.0)}
    choice = route_return([RoutedLine("SKU-1", 1, 2000)], *PARIS, NODES, needs, POLICY)
    assert choice.node_id == "DC-LYON"
    lyon = choice.scores[0]
    assert (lyon.benefit, lyon.score) == (pytest.approx(5.0), pytest.approx(shipping(LYON) - 5.0))


def test_the_benefit_only_counts_the_units_that_fill_the_shortage():
    # Lyon is short by 1: of 3 units worth 4.00, one counts: 0.25 * 4.00 = 1.00, not 3.00.
    needs = {("DC-LYON", "SKU-1"): StockNeed(atp=2, expected_demand=3.0)}
    choice = route_return([RoutedLine("SKU-1", 3, 400)], *PARIS, NODES, needs, POLICY)
    lyon = next(s for s in choice.scores if s.node_id == "DC-LYON")
    assert lyon.benefit == pytest.approx(1.0)
    assert choice.node_id == "DC-LILLE"


def test_the_benefit_sums_over_the_lines_of_the_parcel():
    needs = {
        ("DC-LYON", "SKU-1"): StockNeed(0, 1.0),
        ("DC-LYON", "SKU-2"): StockNeed(0, 0.5),
    }
    lines = [RoutedLine("SKU-1", 2, 1000), RoutedLine("SKU-2", 1, 800)]
    choice = route_return(lines, *PARIS, NODES, needs, POLICY)
    lyon = next(s for s in choice.scores if s.node_id == "DC-LYON")
    assert lyon.benefit == pytest.approx(0.25 * (10.0 * 1 + 8.0 * 0.5))


def test_a_node_that_does_not_accept_returns_is_never_chosen():
    choice = route_return([RoutedLine("SKU-1", 1, 2000)], *PARIS, NODES, {}, POLICY)
    assert "S-CLOSED" not in {s.node_id for s in choice.scores}


def test_ties_go_to_the_smallest_node_id():
    twins = [
        ReturnNode(i, "warehouse", 45.0, 5.0, True, shipment_cost=3.0, cost_per_km=0.001)
        for i in ("DC-B", "DC-A", "DC-C")
    ]
    assert route_return([RoutedLine("S", 1, 100)], *PARIS, twins, {}, POLICY).node_id == "DC-A"


def test_no_node_accepting_returns_is_an_error_with_a_code():
    with pytest.raises(NoReturnDestination) as err:
        route_return([RoutedLine("SKU-1", 1, 100)], *PARIS, [CLOSED], {}, POLICY)
    assert err.value.code == "no_return_destination"
