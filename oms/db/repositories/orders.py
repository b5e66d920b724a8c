"""Repositories of the orders context: reservations, orders (with lines and allocations),
shipments, refunds, idempotency records."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
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


class SqlReservations(SqlRepository[Reservation]):
    entity = Reservation


class SqlOrders(SqlRepository[Order]):
    entity = Order

    def get_for_update(self, order_id: str) -> Order:
        """The order, its row locked for the rest of the transaction, re-read from the row."""
        found = self.session.get(Order, order_id, with_for_update=True, populate_existing=True)
        if found is None:
            raise self.missing(order_id)
        return found


class SqlShipments(SqlRepository[Shipment]):
    entity = Shipment


class SqlRefunds(SqlRepository[Refund]):
    entity = Refund


class SqlIdempotency(SqlRepository[IdempotencyRecord]):
    entity = IdempotencyRecord


class SqlReservationLines(SqlRepository[ReservationLine]):
    entity = ReservationLine


class SqlOrderLines(SqlRepository[OrderLine]):
    entity = OrderLine


class SqlAllocations(SqlRepository[Allocation]):
    entity = Allocation
