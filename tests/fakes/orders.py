"""Fakes of the orders context's repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from oms.orders.lifecycle import OrderStatus
from oms.orders.model import (
    Allocation,
    IdempotencyRecord,
    Order,
    OrderLine,
    OrderNode,
    Refund,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Shipment,
)
from tests.fakes.base import FakeRepository

T = TypeVar("T")


class FakeReservations(FakeRepository[Reservation]):
    entity = Reservation

    def get_for_update(self, reservation_id: str) -> Reservation:
        return self.get(reservation_id)

    def insert(self, reservation: Reservation) -> None:
        self.add(reservation)

    def due(self, now: datetime, limit: int) -> list[Reservation]:
        found = self.list_by(status=ReservationStatus.ACTIVE, order_by="id")
        return [r for r in found if r.expires_at <= now][:limit]


class FakeOrders(FakeRepository[Order]):
    entity = Order

    def get_for_update(self, order_id: str) -> Order:
        return self.get(order_id)

    def pickups_due(self, now: datetime) -> list[Order]:
        found = self.list_by(status=OrderStatus.READY_FOR_PICKUP)
        return [o for o in found if o.expires_at is not None and o.expires_at <= now]


class FakeShipments(FakeRepository[Shipment]):
    entity = Shipment


class FakeRefunds(FakeRepository[Refund]):
    entity = Refund


class FakeIdempotency(FakeRepository[IdempotencyRecord]):
    entity = IdempotencyRecord
    key = ("scope", "endpoint", "key")

    def committed(self, scope: str, endpoint: str, key: str) -> IdempotencyRecord | None:
        return self.find((scope, endpoint, key))

    def claim(self, record: IdempotencyRecord) -> bool:
        if self._key(record) in self.rows:
            return False
        self.add(record)
        return True


class FakeReservationLines(FakeRepository[ReservationLine]):
    entity = ReservationLine
    key = ("reservation_id", "line_no")

    def insert_many(self, lines: Sequence[ReservationLine]) -> None:
        for line in lines:
            self.add(line)

    def delete_of(self, reservation_id: str) -> None:
        for line in self.list_by(reservation_id=reservation_id):
            del self.rows[self._key(line)]


class FakeOrderLines(FakeRepository[OrderLine]):
    entity = OrderLine


class FakeAllocations(FakeRepository[Allocation]):
    entity = Allocation


class FakeOrderNodes(FakeRepository[OrderNode]):
    entity = OrderNode
    key = ("order_id", "node_id")
