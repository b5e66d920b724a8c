"""Fakes of the orders context's repositories."""

from __future__ import annotations

from oms.orders.model import (
    Allocation,
    IdempotencyRecord,
    Order,
    OrderLine,
    Refund,
    Reservation,
    ReservationLine,
    Shipment,
)
from tests.fakes.base import FakeRepository


class FakeReservations(FakeRepository[Reservation]):
    entity = Reservation


class FakeOrders(FakeRepository[Order]):
    entity = Order

    def get_for_update(self, order_id: str) -> Order:
        return self.get(order_id)


class FakeShipments(FakeRepository[Shipment]):
    entity = Shipment


class FakeRefunds(FakeRepository[Refund]):
    entity = Refund


class FakeIdempotency(FakeRepository[IdempotencyRecord]):
    entity = IdempotencyRecord
    key = ("scope", "endpoint", "key")


class FakeReservationLines(FakeRepository[ReservationLine]):
    entity = ReservationLine
    key = ("reservation_id", "line_no")


class FakeOrderLines(FakeRepository[OrderLine]):
    entity = OrderLine


class FakeAllocations(FakeRepository[Allocation]):
    entity = Allocation
