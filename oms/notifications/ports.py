"""What the notifications context needs of a unit of work: somewhere to keep the messages, and a
read of what they are about (the order, its lines and shipments, the store, the SKUs' names, the
customer's language).

Orders, shipments and returns are described by what is read of them (protocols), not imported:
the orders and stores contexts show an order's notifications, so importing them from here would
make the two packages depend on each other."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from oms.domain.events import DomainEvent
from oms.domain.ports import Repository
from oms.inventory.model import Node, Sku
from oms.notifications.model import Notification

T_co = TypeVar("T_co", covariant=True)


class Reader(Protocol[T_co]):
    """Rows read only: by key, or by equal fields."""

    def get(self, key: object) -> T_co: ...

    def find(self, key: object) -> T_co | None: ...

    def list_by(
        self, *, order_by: str | tuple[str, ...] = (), **equals: object
    ) -> Sequence[T_co]: ...


class OrderFacts(Protocol):
    """An order as its messages need it: whom to tell, in which language, about what."""

    @property
    def id(self) -> str: ...

    @property
    def email(self) -> str | None: ...

    @property
    def locale(self) -> str | None: ...

    @property
    def customer_id(self) -> str | None: ...

    @property
    def customer_name(self) -> str | None: ...

    @property
    def method(self) -> str: ...

    @property
    def pickup_node(self) -> str | None: ...

    @property
    def pickup_code(self) -> str | None: ...

    @property
    def currency(self) -> str: ...

    @property
    def expires_at(self) -> datetime | None: ...


class RemindableOrder(Protocol):
    """A ready pickup whose hold ends soon: the reminder pass marks it reminded."""

    @property
    def id(self) -> str: ...

    @property
    def pickup_node(self) -> str | None: ...

    @property
    def ready_at(self) -> datetime | None: ...

    @property
    def expires_at(self) -> datetime | None: ...

    reminded_at: datetime | None


class LineFacts(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def sku_id(self) -> str: ...

    @property
    def qty(self) -> int: ...

    @property
    def price_minor(self) -> int: ...


class ShipmentFacts(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def node_id(self) -> str: ...

    @property
    def tracking(self) -> str | None: ...

    @property
    def carrier(self) -> str | None: ...

    @property
    def tracking_url(self) -> str | None: ...


class CustomerFacts(Protocol):
    """What a message needs of a customer (the customers context depends on orders, which
    depend on this one: a protocol, not its model)."""

    @property
    def locale(self) -> str: ...


class ReturnLineFacts(Protocol):
    @property
    def order_line_id(self) -> str: ...

    @property
    def sku_id(self) -> str: ...

    @property
    def qty(self) -> int: ...


class PickupReminders(Protocol):
    def due(self, now: datetime, horizon: datetime, limit: int) -> Sequence[RemindableOrder]:
        """Ready pickups not reminded yet whose hold ends after ``now`` but by ``horizon``,
        locked, skipping rows others hold."""
        ...


class NotificationsUnitOfWork(Protocol):
    @property
    def notifications(self) -> Repository[Notification]: ...

    @property
    def orders(self) -> Reader[OrderFacts]: ...

    @property
    def order_lines(self) -> Reader[LineFacts]: ...

    @property
    def shipments(self) -> Reader[ShipmentFacts]: ...

    @property
    def return_lines(self) -> Reader[ReturnLineFacts]: ...

    @property
    def nodes(self) -> Reader[Node]: ...

    @property
    def skus(self) -> Reader[Sku]: ...

    @property
    def customers(self) -> Reader[CustomerFacts]: ...

    def emit(self, event: DomainEvent) -> None: ...


class RemindersUnitOfWork(Protocol):
    @property
    def pickup_reminders(self) -> PickupReminders: ...

    def emit(self, event: DomainEvent) -> None: ...

    def commit(self) -> None: ...
