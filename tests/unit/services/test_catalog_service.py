"""The catalog service on the fake unit of work: nodes, SKUs and stock administration, the events
they raise, and the network cache told of node changes."""

from __future__ import annotations

from typing import Any

import pytest

from oms.catalog import service as catalog
from oms.domain.errors import ConflictError, ValidationError
from oms.inventory.errors import StockBelowReserved, UnknownNode, UnknownSku
from tests.fakes import FakeUnitOfWork
from tests.fakes.nodes import PARIS_STORE

NODE: dict[str, Any] = {**PARIS_STORE, "timezone": "Europe/Paris", "holidays": ["2030-05-01"]}


def with_node() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    catalog.add_node(uow, NODE)
    return uow


def stocked(on_hand: int = 5) -> FakeUnitOfWork:
    uow = with_node()
    catalog.put_sku(uow, "SKU-1", name="Mug", price_minor=999, currency="EUR", final_sale=False)
    catalog.set_stock(uow, "ST-PARIS", "SKU-1", on_hand=on_hand)
    return uow


# ------------------------------------------------------------------------ nodes


def test_adding_a_node_then_disabling_it_raises_both_events_and_tells_the_network_cache():
    uow = FakeUnitOfWork()
    added = catalog.add_node(uow, NODE)
    disabled = catalog.set_node_enabled(uow, "ST-PARIS", False)
    assert added is disabled and not disabled.enabled
    assert uow.emitted_names() == ["NodeAdded", "NodeDisabled"]
    assert uow.nodes.network_changes == 2
    assert uow.committed == 2


def test_the_events_of_a_node_keep_the_payloads_the_history_always_had():
    uow = with_node()
    catalog.update_node(uow, "ST-PARIS", {"closes": "21:00", "capacity_units": None})
    catalog.set_node_enabled(uow, "ST-PARIS", True)
    history = uow.events.history("node", "ST-PARIS")
    assert [(r.type, r.payload) for r in history] == [
        ("NodeAdded", NODE),
        ("NodeUpdated", {"closes": "21:00", "capacity_units": None}),
        ("NodeEnabled", {}),
    ]


def test_a_node_id_already_taken_is_a_conflict_and_changes_nothing():
    uow = with_node()
    with pytest.raises(ConflictError, match='node "ST-PARIS" already exists'):
        catalog.add_node(uow, {**NODE, "kind": "warehouse"})
    assert catalog.get_node(uow, "ST-PARIS").kind == "store"
    assert uow.emitted_names() == ["NodeAdded"]


def test_a_correction_with_a_calendar_the_network_cannot_load_is_refused_naming_the_field():
    uow = with_node()
    with pytest.raises(ValidationError) as refused:
        catalog.update_node(uow, "ST-PARIS", {"opens": "9 o'clock", "kind": "warehouse"})
    assert [p.split(":")[0] for p in refused.value.problems] == ["opens"]
    node = catalog.get_node(uow, "ST-PARIS")
    assert (node.opens, node.kind) == ("09:00", "store")
    assert uow.emitted_names() == ["NodeAdded"] and uow.committed == 1
    assert uow.nodes.network_changes == 1


def test_a_new_node_whose_calendar_cannot_be_read_is_not_added():
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationError, match="holidays"):
        catalog.add_node(uow, {**NODE, "holidays": ["someday"]})
    assert catalog.list_nodes(uow) == [] and uow.emitted == []


def test_a_correction_changes_only_the_fields_it_names():
    uow = with_node()
    node = catalog.update_node(uow, "ST-PARIS", {"hold_days": 3})
    assert (node.hold_days, node.capacity_units, node.opens) == (3, 40, "09:00")


def test_an_unknown_node_is_named():
    uow = FakeUnitOfWork()
    with pytest.raises(UnknownNode, match="ST-NOWHERE"):
        catalog.set_node_enabled(uow, "ST-NOWHERE", False)
    with pytest.raises(UnknownNode):
        catalog.update_node(uow, "ST-NOWHERE", {"hold_days": 3})
    assert uow.emitted == [] and uow.committed == 0


def test_nodes_are_listed_by_id():
    uow = FakeUnitOfWork()
    for node_id in ("ST-B", "DC-A", "ST-A"):
        catalog.add_node(uow, {**NODE, "id": node_id})
    assert [n.id for n in catalog.list_nodes(uow)] == ["DC-A", "ST-A", "ST-B"]


# ------------------------------------------------------------------------ SKUs


def test_a_sku_put_twice_is_updated_and_each_put_raises_its_event():
    uow = FakeUnitOfWork()
    first = catalog.put_sku(
        uow, "SKU-1", name="Mug", price_minor=999, currency="EUR", final_sale=False
    )
    again = catalog.put_sku(
        uow, "SKU-1", name="Big mug", price_minor=1299, currency="EUR", final_sale=True
    )
    assert again is first and list(uow.skus.rows) == ["SKU-1"]
    assert (again.name, again.price_minor, again.final_sale) == ("Big mug", 1299, True)
    assert [r.payload for r in uow.events.history("sku", "SKU-1")] == [
        {"name": "Mug", "price_minor": 999, "currency": "EUR", "final_sale": False},
        {"name": "Big mug", "price_minor": 1299, "currency": "EUR", "final_sale": True},
    ]
    assert uow.nodes.network_changes == 0  # SKUs are not the network


# ------------------------------------------------------------------------ stock


def test_setting_stock_gives_its_levels_and_where_pickers_find_it():
    uow = stocked(on_hand=5)
    view = catalog.set_stock(uow, "ST-PARIS", "SKU-1", safety_stock=1, bin_location="A-01")
    assert view == catalog.StockView("ST-PARIS", 5, 0, 1, 4)
    assert uow.stock.item("ST-PARIS", "SKU-1").bin_location == "A-01"
    assert uow.emitted_names()[-1] == "StockSet"


def test_stock_cannot_be_set_below_what_is_reserved():
    uow = stocked(on_hand=5)
    uow.stock.hold_or_raise([("ST-PARIS", "SKU-1", 3)])
    committed = uow.committed
    with pytest.raises(StockBelowReserved, match="below the 3 reserved"):
        catalog.set_stock(uow, "ST-PARIS", "SKU-1", on_hand=2)
    with pytest.raises(StockBelowReserved):
        catalog.adjust_stock(uow, "ST-PARIS", "SKU-1", -3, "damaged")
    assert uow.stock.levels("ST-PARIS", "SKU-1").on_hand == 5
    assert uow.committed == committed


def test_receipts_and_adjustments_move_on_hand_and_the_stock_view_adds_up_the_nodes():
    uow = stocked(on_hand=5)
    catalog.add_node(uow, {**NODE, "id": "DC-LYON", "kind": "warehouse"})
    assert catalog.receive_stock(uow, "DC-LYON", "SKU-1", 10, ref="PO-1").on_hand == 10
    assert catalog.adjust_stock(uow, "ST-PARIS", "SKU-1", -2, "damaged").available == 3
    stock = catalog.stock_of(uow, "SKU-1")
    assert [(v.node, v.available) for v in stock.nodes] == [("DC-LYON", 10), ("ST-PARIS", 3)]
    assert stock.available == 13


def test_the_stock_of_an_unknown_sku_is_refused():
    uow = with_node()
    with pytest.raises(UnknownSku, match="SKU-NOPE"):
        catalog.stock_of(uow, "SKU-NOPE")
