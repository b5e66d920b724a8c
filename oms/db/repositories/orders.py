"""Repositories of the orders context: reservations, orders (with lines and allocations),
shipments, refunds, idempotency records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from oms.db import tables
from oms.db.repositories.base import SqlRepository
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

# Run on the session's connection: plain inserts on the checkout path, where the ORM's flush of
# the same rows cost more than the rest of the reservation together.
_INSERT_RESERVATION = insert(tables.reservations)
_INSERT_RESERVATION_LINES = insert(tables.reservation_lines)
_INSERT_IDEMPOTENCY_KEY = insert(tables.idempotency_keys)
T = TypeVar("T")


class SqlReservations(SqlRepository[Reservation]):
    entity = Reservation

    def get_for_update(self, reservation_id: str) -> Reservation:
        """The reservation, its row locked for the rest of the transaction, re-read from it."""
        found = self.session.get(
            Reservation, reservation_id, with_for_update=True, populate_existing=True
        )
        if found is None:
            raise self.missing(reservation_id)
        return found

    def insert(self, reservation: Reservation) -> None:
        """Written at once in one statement; the reservation becomes a persistent object of the
        session without a read."""
        row = {c.name: getattr(reservation, c.name) for c in tables.reservations.c}
        self.session.connection().execute(_INSERT_RESERVATION, row)
        make_transient_to_detached(reservation)
        self.session.add(reservation)

    def due(self, now: datetime, limit: int) -> list[Reservation]:
        """Active reservations whose time is up, locked as read, skipping those another
        transaction holds (a checkout converting one, or another worker's sweeper)."""
        c = tables.reservations.c
        stmt = (
            select(Reservation)
            .where(c.status == ReservationStatus.ACTIVE, c.expires_at <= now)
            .order_by(c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))


class SqlReservationLines(SqlRepository[ReservationLine]):
    entity = ReservationLine

    def insert_many(self, lines: Sequence[ReservationLine]) -> None:
        """A reservation's lines in one statement (read back with ``list_by``)."""
        rows = [
            {
                "reservation_id": x.reservation_id,
                "line_no": x.line_no,
                "sku_id": x.sku_id,
                "node_id": x.node_id,
                "qty": x.qty,
            }
            for x in lines
        ]
        self.session.connection().execute(_INSERT_RESERVATION_LINES, rows)

    def delete_of(self, reservation_id: str) -> None:
        c = tables.reservation_lines.c
        self.session.execute(delete(ReservationLine).where(c.reservation_id == reservation_id))


class SqlOrders(SqlRepository[Order]):
    entity = Order

    def get_for_update(self, order_id: str) -> Order:
        """The order, its row locked for the rest of the transaction, re-read from the row."""
        found = self.session.get(Order, order_id, with_for_update=True, populate_existing=True)
        if found is None:
            raise self.missing(order_id)
        return found

    def pickups_due(self, now: datetime) -> list[Order]:
        """Orders ready for pickup whose hold has ended, locked as read, skipping those a
        collection (or another worker's sweeper) holds."""
        c = tables.orders.c
        stmt = (
            select(Order)
            .where(c.status == OrderStatus.READY_FOR_PICKUP, c.expires_at <= now)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))


class SqlShipments(SqlRepository[Shipment]):
    entity = Shipment


class SqlRefunds(SqlRepository[Refund]):
    entity = Refund


class SqlIdempotency(SqlRepository[IdempotencyRecord]):
    entity = IdempotencyRecord

    def committed(self, scope: str, endpoint: str, key: str) -> IdempotencyRecord | None:
        """The record as committed now (re-read, not the session's copy)."""
        return self.session.get(IdempotencyRecord, (scope, endpoint, key), populate_existing=True)

    def claim(self, record: IdempotencyRecord) -> bool:
        """Insert the record at once; False when the key is taken (the transaction is then
        unusable until rolled back)."""
        row = {
            "scope": record.scope,
            "endpoint": record.endpoint,
            "key": record.key,
            "request_hash": record.request_hash,
            "resource_id": record.resource_id,
        }
        try:
            self.session.connection().execute(_INSERT_IDEMPOTENCY_KEY, row)
        except IntegrityError:
            return False
        return True


class SqlOrderLines(SqlRepository[OrderLine]):
    entity = OrderLine


class SqlAllocations(SqlRepository[Allocation]):
    entity = Allocation


class SqlOrderNodes(SqlRepository[OrderNode]):
    """Keyed (order_id, node_id)."""

    entity = OrderNode
