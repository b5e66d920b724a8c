"""The ledger's ``move`` (re-optimisation: units change places) on SQLite and PostgreSQL: a
release and a hold in one pass, all or nothing; and the fake keeps the same promises."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oms.db import ledger
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.inventory import NotReserved, Shortfall, StockLevel
from oms.inventory.model import Sku
from tests.fakes import FakeUnitOfWork
from tests.integration.test_ledger import _node, committed, event_types, stock
from tests.integration.test_ledger import sf as catalog


@pytest.fixture
def sf(session_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """test_ledger's: nodes N1-N3 and SKUs S1-S2 in the catalog."""
    return catalog.__wrapped__(session_factory)  # type: ignore[attr-defined]


def test_a_move_releases_and_holds_in_one_pass(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 3))
    committed(sf, lambda s: ledger.receive(s, "N2", "S1", 3))
    committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 2)], ref="O-1"))
    assert committed(sf, lambda s: ledger.move(s, [("N1", "S1", 2)], [("N2", "S1", 2)])) == []
    assert stock(sf, "N1", "S1") == StockLevel(3, 0, 0)
    assert stock(sf, "N2", "S1") == StockLevel(3, 2, 0)
    assert event_types(sf)[-2:] == ["StockReleased", "StockReserved"]


def test_a_move_whose_hold_falls_short_changes_nothing(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 3))
    committed(sf, lambda s: ledger.receive(s, "N2", "S1", 1))
    committed(sf, lambda s: ledger.hold(s, [("N1", "S1", 2)], ref="O-1"))
    with SqlUnitOfWork(sf, message_bus()) as uow:
        short = ledger.move(uow.session, [("N1", "S1", 2)], [("N2", "S1", 2)])
        assert ledger.levels(uow.session, "N1", "S1") == StockLevel(3, 2, 0)  # put back
    assert short == [Shortfall("N2", "S1", requested=2, available=1)]
    assert stock(sf, "N1", "S1") == StockLevel(3, 2, 0)
    assert stock(sf, "N2", "S1") == StockLevel(1, 0, 0)


def test_a_move_releasing_more_than_is_held_is_refused(sf: sessionmaker[Session]) -> None:
    committed(sf, lambda s: ledger.receive(s, "N1", "S1", 3))
    committed(sf, lambda s: ledger.receive(s, "N2", "S1", 3))
    with SqlUnitOfWork(sf, message_bus()) as uow:
        with pytest.raises(NotReserved):
            ledger.move(uow.session, [("N2", "S1", 1)], [("N1", "S1", 1)])
        assert ledger.levels(uow.session, "N1", "S1") == StockLevel(3, 0, 0)


def test_the_fake_ledger_moves_alike() -> None:
    uow = FakeUnitOfWork()
    uow.nodes.add(_node("N1"))
    uow.nodes.add(_node("N2"))
    uow.skus.add(Sku(id="S1", name="S1", price_minor=1999, currency="EUR"))
    for node, qty in (("N1", 3), ("N2", 1)):
        uow.stock.set_stock(node, "S1", on_hand=qty)
    uow.stock.hold([("N1", "S1", 2)])
    short = uow.stock.move([("N1", "S1", 2)], [("N2", "S1", 2)])
    assert short == [Shortfall("N2", "S1", requested=2, available=1)]
    assert uow.stock.levels("N1", "S1") == StockLevel(3, 2, 0)
    assert uow.stock.move([("N1", "S1", 1)], [("N2", "S1", 1)]) == []
    assert uow.stock.levels("N1", "S1") == StockLevel(3, 1, 0)
    assert uow.stock.levels("N2", "S1") == StockLevel(1, 1, 0)
