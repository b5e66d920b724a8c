"""What the orders context needs of a unit of work: its own repositories, the stock ledger, the
SKUs (prices) and nodes (through the promise's cache), a pickup slot's places, and what an
order's view shows of other contexts (picks, notifications: read only). ``SqlUnitOfWork`` and
the fake both provide them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import Enum
from typing import Protocol, TypeVar

from oms.domain.contact import Contact
from oms.domain.events import Aggregate, EventRecord
from oms.domain.ports import Repository, UnitOfWork
from oms.inventory.model import Sku
from oms.inventory.ports import StockLedger
from oms.notifications.model import Notification
from oms.orders.model import (
    Allocation,
    IdempotencyRecord,
    Order,
    OrderLine,
    OrderNode,
    Refund,
    Reservation,
    ReservationLine,
    Shipment,
)
from oms.orders.tracking import TrackingEvent
from oms.promise.ports import NodeReader

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Reservations(Repository[Reservation], Protocol):
    def get_for_update(self, reservation_id: str) -> Reservation:
        """The reservation, its row locked for the rest of the transaction."""
        ...

    def insert(self, reservation: Reservation) -> None:
        """Written at once, in one statement (the checkout path)."""
        ...

    def due(self, now: datetime, limit: int) -> list[Reservation]:
        """Active reservations whose time is up, locked, skipping rows others hold."""
        ...


class ReservationLines(Repository[ReservationLine], Protocol):
    def insert_many(self, lines: Sequence[ReservationLine]) -> None:
        """Written at once, in one statement (the checkout path)."""
        ...

    def delete_of(self, reservation_id: str) -> None: ...


class Orders(Repository[Order], Protocol):
    def get_for_update(self, order_id: str) -> Order: ...

    def add_now(self, entity: Order) -> None: ...


class AddsMany(Repository[T], Protocol[T]):
    def add_all_now(self, entities: Sequence[T]) -> None:
        """Written at once: rows that name them may follow."""
        ...


class Idempotency(Protocol):
    def committed(self, scope: str, endpoint: str, key: str) -> IdempotencyRecord | None:
        """The record as committed, re-read."""
        ...

    def claim(self, record: IdempotencyRecord) -> bool:
        """Insert at once; False when the key is taken (roll back before going on)."""
        ...


class Skus(Protocol):
    def find(self, key: object) -> Sku | None: ...

    def existing(self, sku_ids: Sequence[str]) -> list[str]: ...


class Slot(Protocol):
    """A pickup slot as a reservation sees it."""

    @property
    def node_id(self) -> str: ...

    @property
    def capacity(self) -> int: ...


class Slots(Protocol):
    def find(self, key: object) -> Slot | None: ...

    def take_place(self, slot_id: str) -> bool:
        """One place more booked, unless the slot is full (False)."""
        ...

    def give_back(self, slot_id: str) -> None: ...


class PickRow(Protocol):
    """A pick as an order's view shows it (the stores context owns picks)."""

    @property
    def id(self) -> str: ...

    @property
    def node_id(self) -> str: ...

    @property
    def shipment_id(self) -> str: ...

    @property
    def status(self) -> Enum: ...


class Rows(Protocol[T_co]):
    """Rows read only, by equal fields."""

    def list_by(
        self, *, order_by: str | tuple[str, ...] = (), **equals: object
    ) -> Sequence[T_co]: ...


class History(Protocol):
    def history(self, aggregate: Aggregate | str, aggregate_id: str) -> list[EventRecord]: ...


class OrderViewSource(Protocol):
    """What an order's view reads."""

    @property
    def order_lines(self) -> Repository[OrderLine]: ...

    @property
    def allocations(self) -> Repository[Allocation]: ...

    @property
    def shipments(self) -> Repository[Shipment]: ...

    @property
    def picks(self) -> Rows[PickRow]: ...

    @property
    def refunds(self) -> Repository[Refund]: ...

    @property
    def notifications(self) -> Rows[Notification]: ...

    @property
    def events(self) -> History: ...

    @property
    def tracking_events(self) -> Rows[TrackingEvent]: ...


class CustomerContacts(Protocol):
    def contact_of(self, customer_id: str) -> Contact | None:
        """The customer's contact details, or None when there is no such (unerased) customer."""
        ...


class OrdersUnitOfWork(OrderViewSource, UnitOfWork, Protocol):
    """Reservations and orders: what their commands read and write."""

    @property
    def customer_contacts(self) -> CustomerContacts: ...

    @property
    def nodes(self) -> NodeReader: ...

    @property
    def skus(self) -> Skus: ...

    @property
    def stock(self) -> StockLedger: ...

    @property
    def slots(self) -> Slots: ...

    @property
    def idempotency(self) -> Idempotency: ...

    @property
    def reservations(self) -> Reservations: ...

    @property
    def reservation_lines(self) -> ReservationLines: ...

    @property
    def orders(self) -> Orders: ...

    @property
    def order_lines(self) -> AddsMany[OrderLine]: ...

    @property
    def shipments(self) -> AddsMany[Shipment]: ...

    @property
    def order_nodes(self) -> Repository[OrderNode]:
        """The nodes each order involves (order search's read model, oms/orders/involved.py)."""
        ...
