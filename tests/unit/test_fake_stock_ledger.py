"""The fake stock ledger keeps the real one's promises (the service unit tests rely on it)."""

import pytest

from oms.inventory.errors import InsufficientStock, NotReserved, StockBelowReserved, UnknownSku
from oms.inventory.model import Node, Sku
from tests.fakes import FakeUnitOfWork


def stocked() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    for n in ("A", "B"):
        uow.nodes.add(
            Node(
                id=n,
                kind="store",
                lat=0,
                lon=0,
                can_ship=True,
                can_pickup=True,
                handling_cost=0,
                shipment_cost=0,
                cost_per_km=0,
            )
        )
    uow.skus.add(Sku(id="S", name="s", price_minor=100, currency="EUR"))
    uow.stock.set_stock("A", "S", on_hand=3)
    uow.stock.set_stock("B", "S", on_hand=1)
    return uow


def test_a_hold_takes_every_row_or_none_and_reports_every_short_row():
    uow = stocked()
    short = uow.stock.hold([("A", "S", 2), ("B", "S", 2)])
    assert [(s.node_id, s.missing) for s in short] == [("B", 1)]
    assert uow.stock.levels("A", "S").reserved == 0
    uow.stock.hold_or_raise([("A", "S", 3), ("B", "S", 1)], ref="R")
    assert uow.stock.available(["S"]) == {("A", "S"): 0, ("B", "S"): 0}
    with pytest.raises(InsufficientStock):
        uow.stock.hold_or_raise([("A", "S", 1)])


def test_releasing_or_shipping_more_than_is_held_is_refused():
    uow = stocked()
    uow.stock.hold_or_raise([("A", "S", 2)])
    with pytest.raises(NotReserved):
        uow.stock.release([("A", "S", 3)])
    uow.stock.commit_shipment([("A", "S", 2)])
    assert uow.stock.levels("A", "S").on_hand == 1
    with pytest.raises(StockBelowReserved):
        uow.stock.hold_or_raise([("A", "S", 1)])
        uow.stock.set_stock("A", "S", on_hand=0)


def test_every_change_raises_a_stock_event_and_an_unknown_sku_is_named():
    uow = stocked()
    uow.stock.receive("A", "S", 2, ref="PO-1")
    assert uow.emitted_names()[-1] == "StockReceived"
    assert uow.emitted[-1].payload()["on_hand"] == 5
    with pytest.raises(UnknownSku):
        uow.stock.receive("A", "NOPE", 1)
