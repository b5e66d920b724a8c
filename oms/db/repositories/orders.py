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
