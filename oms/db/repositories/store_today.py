"""The store's queues for the Today page (``oms.stores.today_ports.StoreQueues``): one grouped
count per queue, each on an index that leads with the node."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from oms.db import tables
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, ShipmentStatus
from oms.returns.lifecycle import ReturnStatus
from oms.returns.policy import Method
from oms.stores.counts_model import CountStatus
from oms.stores.model import PickStatus
from oms.stores.today_ports import QueueCounts

ORD, S, P = tables.orders.c, tables.shipments.c, tables.picks.c
SLOT, R, CNT, A = (
    tables.pickup_slots.c,
    tables.returns.c,
    tables.stock_counts.c,
    tables.allocations.c,
)
_WAITING_RETURN = (ReturnStatus.REQUESTED.value, ReturnStatus.AWAITING_DROP_OFF.value)


class SqlStoreQueues:
    def __init__(self, session: Session) -> None:
        self.session = session

    def counts(self, node_id: str, now: datetime) -> QueueCounts:
        ready, overdue = self._pickups(node_id, now)
        return QueueCounts(
            to_pick=self._count(
                select(func.count()).where(P.node_id == node_id, P.status == PickStatus.OPEN)
            ),
            to_pack=self._count(_to_pack(node_id)),
            ready_for_pickup=ready,
            overdue_pickups=overdue,
            incoming_transfers=self._count(_incoming(node_id)),
            returns_to_receive=self._count(
                select(func.count()).where(
                    R.destination == node_id,
                    R.method == Method.IN_STORE.value,
                    R.status.in_(_WAITING_RETURN),
                )
            ),
            counts_requested=self._count(
                select(func.count()).where(
                    CNT.node_id == node_id, CNT.status == CountStatus.REQUESTED
                )
            ),
        )

    def units_allocated(self, node_id: str, start: datetime, end: datetime) -> int:
        total = self.session.scalar(
            select(func.coalesce(func.sum(A.qty), 0))
            .select_from(tables.allocations.join(tables.shipments, S.id == A.shipment_id))
            .where(
                S.node_id == node_id,
                S.created_at >= start,
                S.created_at < end,
                S.status != ShipmentStatus.CANCELLED,
            )
        )
        return int(total or 0)

    def _pickups(self, node_id: str, now: datetime) -> tuple[int, int]:
        late = or_(ORD.expires_at < now, and_(SLOT.ends_at.is_not(None), SLOT.ends_at < now))
        row = self.session.execute(
            select(func.count(), func.count().filter(late))
            .select_from(tables.orders.outerjoin(tables.pickup_slots, SLOT.id == ORD.slot_id))
            .where(ORD.pickup_node == node_id, ORD.status == OrderStatus.READY_FOR_PICKUP)
        ).one()
        return int(row[0]), int(row[1])

    def _count(self, stmt: Select[Any]) -> int:
        return int(self.session.scalar(stmt) or 0)


def _to_pack(node_id: str) -> Select[Any]:
    """Picked at the store and leaving it: every picked shipment but the store's own pickups
    (those become ready at its counter)."""
    own_pickup = and_(ORD.method == DeliveryMethod.PICKUP, ORD.pickup_node == node_id)
    return (
        select(func.count())
        .select_from(tables.shipments.join(tables.orders, ORD.id == S.order_id))
        .where(S.node_id == node_id, S.status == ShipmentStatus.PICKED, ~own_pickup)
    )


def _incoming(node_id: str) -> Select[Any]:
    return (
        select(func.count())
        .select_from(tables.shipments.join(tables.orders, ORD.id == S.order_id))
        .where(
            ORD.pickup_node == node_id,
            ORD.method == DeliveryMethod.PICKUP,
            S.node_id != node_id,
            S.status == ShipmentStatus.SHIPPED,
        )
    )
