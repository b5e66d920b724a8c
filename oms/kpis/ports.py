"""What the live KPIs read: plain facts about the orders, returns, promises and stock counts of a
period, through one repository (`uow.kpis`; SQL in ``oms/db/repositories/kpis.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from oms.promise.outcomes import PromiseTally

__all__ = ["CountFact", "KpiFacts", "KpisUnitOfWork", "OrderFact", "PromiseTally", "ReturnFact"]


@dataclass(frozen=True)
class OrderFact:
    """One order as the KPIs see it (every order placed is sourced: it is created from held
    units)."""

    order_id: str
    channel: str  # web, app, store, marketplace
    pickup: bool  # collected in a store
    created_at: datetime
    supplied_by_store: bool  # a store holds an allocation of it (ship-from-store, or its shelf)
    returned_in_store: bool  # a return of it was dropped off in a store
    short_picked: bool  # a pick of it found fewer units than asked
    wrong_item_returned: bool  # a return of it gives the reason wrong_item
    promised_at: datetime | None  # the promise when ordered: the latest of its first shipments'
    done_at: datetime | None  # every live shipment shipped, or (pickup) ready for pickup
    arrived_at: datetime | None  # every live shipment delivered, or (pickup) ready for pickup
    zone: str  # the timezone its dates are read in: the pickup store's, else UTC


@dataclass(frozen=True)
class ReturnFact:
    return_id: str
    created_at: datetime
    cross_channel: bool


@dataclass(frozen=True)
class CountFact:
    """A stock record counted on the shelf: what the system held then, and what was found."""

    counted_at: datetime
    system: int
    counted: int


class KpiFacts(Protocol):
    def orders(self, start: datetime, end: datetime) -> list[OrderFact]:
        """Orders placed in [start, end)."""
        ...

    def returns(self, start: datetime, end: datetime) -> list[ReturnFact]:
        """Returns requested in [start, end)."""
        ...

    def promise_tallies(self, start: datetime, end: datetime) -> list[PromiseTally]:
        """The hours in [start, end) that promises were asked in."""
        ...

    def add_promise_tallies(self, tallies: Sequence[PromiseTally]) -> None:
        """Add these counts to their hours' rows (several processes add to the same rows)."""
        ...

    def stock_counts(self, start: datetime, end: datetime) -> list[CountFact]:
        """Stock records counted in [start, end)."""
        ...


class KpisUnitOfWork(Protocol):
    @property
    def kpis(self) -> KpiFacts: ...

    def commit(self) -> None: ...
