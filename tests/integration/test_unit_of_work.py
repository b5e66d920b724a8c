"""The SQLAlchemy unit of work keeps an event and the change it records together: both commit,
or neither; the history reads the events of the open transaction too, in the order raised; a
handler's writes are part of the same transaction. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oms.db.uow import SqlUnitOfWork
from oms.domain.bus import MessageBus
from oms.domain.events import NodeDisabled, NodeEnabled, StockChanged
from oms.inventory.model import Node, Sku


def node(node_id: str) -> Node:
    return Node(id=node_id, kind="store", lat=45.0, lon=4.0, can_ship=True, can_pickup=True,
                handling_cost=0.3, shipment_cost=4.0, cost_per_km=0.01)  # fmt: skip


def disable_on_enable(event: NodeEnabled, uow: SqlUnitOfWork) -> None:
    """A handler that writes: it disables the node again and says so."""
    uow.nodes.get(event.node_id).enabled = False
    uow.emit(NodeDisabled(node_id=event.node_id))


BUS = MessageBus({NodeEnabled: [disable_on_enable]})


def history(factory: sessionmaker[Session], node_id: str) -> list[str]:
    with SqlUnitOfWork(factory, BUS) as uow:
        return [e.type for e in uow.events.history("node", node_id)]


def test_events_commit_with_the_change_and_a_handler_writes_in_the_same_transaction(
    session_factory: sessionmaker[Session],
):
    with SqlUnitOfWork(session_factory, BUS) as uow:
        uow.nodes.add(node("S-1"))
        uow.emit(NodeEnabled(node_id="S-1"))
        assert [e.type for e in uow.events.history("node", "S-1")] == [
            "NodeEnabled",
            "NodeDisabled",
        ]
        uow.commit()
    assert history(session_factory, "S-1") == ["NodeEnabled", "NodeDisabled"]
    with SqlUnitOfWork(session_factory, BUS) as uow:
        assert uow.nodes.get("S-1").enabled is False


def test_leaving_without_commit_forgets_the_change_and_its_events(
    session_factory: sessionmaker[Session],
):
    with SqlUnitOfWork(session_factory, BUS) as uow:
        uow.nodes.add(node("S-2"))
        uow.emit(NodeEnabled(node_id="S-2"))
        uow.flush()  # written, but not committed
    assert history(session_factory, "S-2") == []
    with SqlUnitOfWork(session_factory, BUS) as uow:
        assert uow.nodes.find("S-2") is None


def test_a_stock_change_through_the_unit_of_work_reaches_the_bus_and_the_history(
    session_factory: sessionmaker[Session],
):
    heard = []
    bus = MessageBus({StockChanged: [lambda e, uow: heard.append((e.name, e.atp))]})
    with SqlUnitOfWork(session_factory, bus) as uow:
        uow.nodes.add_now(node("S-3"))
        uow.skus.add_now(Sku(id="MUG", name="mug", price_minor=900, currency="EUR"))
        uow.stock.receive("S-3", "MUG", 4, ref="PO-1")
        uow.stock.hold_or_raise([("S-3", "MUG", 3)], ref="R-1")
        uow.commit()
    assert heard == [("StockReceived", 4), ("StockReserved", 1)]
    with SqlUnitOfWork(session_factory, bus) as uow:
        [received, reserved] = uow.events.history("inventory", "S-3/MUG")
    assert received.payload["ref"] == "PO-1" and reserved.payload["reserved"] == 3
    assert received.id is not None and reserved.id is not None and received.id < reserved.id


@pytest.mark.parametrize("kind", ["nodes", "skus", "orders", "picks", "returns"])
def test_get_of_a_missing_record_raises_the_not_found_error_naming_it(
    session_factory: sessionmaker[Session], kind: str
):
    from oms.domain.errors import OmsError

    with SqlUnitOfWork(session_factory, BUS) as uow, pytest.raises(OmsError) as raised:
        getattr(uow, kind).get("NOPE")
    assert "NOPE" in raised.value.detail
