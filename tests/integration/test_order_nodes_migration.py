"""Migration 0014 fills order_nodes from what was there before it: each node an allocation or a
shipment of an order is at (a shipment stays when a short pick took its allocation away), and
the pickup store; on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import select

from oms.db.engine import make_engine, make_session_factory, migrate
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.orders.model import OrderNode, Shipment, ShipmentStatus
from tests.order_search_world import network, world, write


def test_the_migration_records_every_node_each_existing_order_involves(db_url: str) -> None:
    migrate(db_url, "0013")
    engine = make_engine(db_url)
    sf = make_session_factory(engine)
    made = world(seed=14, count=60)
    network(sf)
    write(sf, made, nodes=False)
    involved = {(n.order_id, n.node_id) for n in made.order_nodes}
    shipped = next(o for o in made.orders if (o.id, "ST-C") not in involved)
    with SqlUnitOfWork(sf, message_bus()) as uow:  # a store that short-picked all it held
        uow.shipments.add_now(
            Shipment(
                id="SH-1", order_id=shipped.id, node_id="ST-C", status=ShipmentStatus.CANCELLED
            )
        )
        uow.commit()
    migrate(db_url)
    expected = {(n.order_id, n.node_id, n.created_at, n.supplies) for n in made.order_nodes}
    expected.add((shipped.id, "ST-C", shipped.created_at, True))
    with sf() as session:
        rows = session.scalars(select(OrderNode)).all()
        found = {(n.order_id, n.node_id, n.created_at, n.supplies) for n in rows}
    engine.dispose()
    assert any(not supplies for *_, supplies in expected)  # a pickup supplied from elsewhere
    assert found == expected
