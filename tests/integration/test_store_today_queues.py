"""The Today page's queue counts: the SQL (SQLite and PostgreSQL) and the fake count the same
rows the same way, and each queue takes exactly what the page says it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.inventory.model import Sku
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Shipment,
    ShipmentStatus,
)
from oms.returns.records import ReturnAuthorization
from oms.stores.counts_model import CountStatus, StockCount
from oms.stores.model import Pick, PickStatus, PickupSlot
from oms.stores.today import today
from oms.stores.today_ports import QueueCounts
from tests.fakes import FakeUnitOfWork
from tests.unit.services.orders_world import DC, S1, S2, _node

NOW = datetime.now(UTC).replace(microsecond=0)
LATER, EARLIER = NOW + timedelta(hours=3), NOW - timedelta(hours=3)
S, OS = ShipmentStatus, OrderStatus


def _order(oid: str, status: OrderStatus, pickup: bool = True, **kw: Any) -> Order:
    method = DeliveryMethod.PICKUP if pickup else DeliveryMethod.SHIP
    node = S1 if pickup else None
    return Order(id=oid, status=status, channel="web", method=method, currency="EUR",
                 pickup_node=node, created_at=NOW, **kw)  # fmt: skip


def _return(rid: str, order: str, status: str, method: str = "in_store") -> ReturnAuthorization:
    return ReturnAuthorization(id=rid, order_id=order, status=status, method=method,
                               reason="changed_mind", destination=S1, purchase_channel="web",
                               cross_channel=False)  # fmt: skip


def fill(uow: Any) -> None:
    for node in (_node(DC, "warehouse", 45.76, 4.84), _node(S1, "store", 48.86, 2.35),
                 _node(S2, "store", 48.88, 2.30)):  # fmt: skip
        uow.nodes.add_now(node)
    uow.skus.add_now(Sku(id="MUG", name="Mug", price_minor=1299, currency="EUR"))
    uow.slots.add_now(PickupSlot(id="SL-1", node_id=S1, starts_at=EARLIER - timedelta(hours=1),
                                 ends_at=EARLIER, capacity=5))  # fmt: skip
    orders = [
        _order("O-READY", OS.READY_FOR_PICKUP, expires_at=LATER),
        _order("O-EXPIRED", OS.READY_FOR_PICKUP, expires_at=EARLIER),
        _order("O-SLOT-OVER", OS.READY_FOR_PICKUP, expires_at=LATER, slot_id="SL-1"),
        _order("O-TRANSFER", OS.ALLOCATED),
        _order("O-SHIP", OS.PICKING, pickup=False),
        _order("O-OWN-PICKUP", OS.PICKING),
    ]
    for order in orders:
        uow.orders.add_now(order)
    shipments = [
        ("SH-IN", "O-TRANSFER", DC, S.SHIPPED),
        ("SH-ARRIVED", "O-TRANSFER", S2, S.DELIVERED),
        ("SH-PACK", "O-SHIP", S1, S.PICKED),
        ("SH-PICK", "O-SHIP", S1, S.CREATED),
        ("SH-GONE", "O-SHIP", S1, S.CANCELLED),
        ("SH-OWN", "O-OWN-PICKUP", S1, S.PICKED),
    ]
    for sid, oid, node, status in shipments:
        # Created at NOW, not at the clock's now: the test must not cross the store's midnight.
        uow.shipments.add_now(
            Shipment(id=sid, order_id=oid, node_id=node, status=status, created_at=NOW)
        )
    line = OrderLine(id="L-1", order_id="O-SHIP", line_no=1, sku_id="MUG", qty=6,
                     price_minor=1299, status=OrderLineStatus.ALLOCATED)  # fmt: skip
    uow.order_lines.add_now(line)
    for sid, qty in (("SH-PACK", 1), ("SH-PICK", 2), ("SH-GONE", 3)):
        uow.allocations.add_now(
            Allocation(order_line_id="L-1", node_id=S1, qty=qty, shipment_id=sid)
        )
    uow.picks.add_now(Pick(id="P-1", order_id="O-SHIP", shipment_id="SH-PICK", node_id=S1,
                           status=PickStatus.OPEN))  # fmt: skip
    uow.picks.add_now(Pick(id="P-2", order_id="O-SHIP", shipment_id="SH-PACK", node_id=S1,
                           status=PickStatus.CONFIRMED))  # fmt: skip
    for r in (_return("R-1", "O-SHIP", "requested"), _return("R-2", "O-SHIP", "awaiting_drop_off"),
              _return("R-3", "O-SHIP", "requested", method="mail"),
              _return("R-4", "O-SHIP", "received")):  # fmt: skip
        uow.returns.add_now(r)
    uow.stock_counts.add_now(StockCount(id="C-1", node_id=S1, requested_by="ops"))
    uow.stock_counts.add_now(
        StockCount(id="C-2", node_id=S1, requested_by="ops", status=CountStatus.APPLIED)
    )
    uow.commit()


EXPECTED = QueueCounts(
    to_pick=1,
    to_pack=1,
    ready_for_pickup=3,
    overdue_pickups=2,
    incoming_transfers=1,
    returns_to_receive=2,
    counts_requested=1,
)


def test_the_database_and_the_fake_count_each_queue_of_the_store_alike(
    session_factory: sessionmaker[Session],
) -> None:
    fake = FakeUnitOfWork()
    fill(fake)
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        fill(uow)
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        stored = today(uow, S1, NOW)
    in_memory = today(fake, S1, NOW)
    assert stored.queues == in_memory.queues == EXPECTED
    # Live shipments at the store created today: 1 + 2 units (the cancelled 3 do not count).
    assert stored.units_allocated_today == in_memory.units_allocated_today == 3
    assert stored.capacity_left_today == 37
    assert today(fake, S2, NOW).queues == QueueCounts()
