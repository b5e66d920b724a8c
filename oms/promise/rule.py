"""The one promise-date rule: what a shipment of an order promises, by its leg and service.

Checkout's options, an order's shipments (and so the order's promise), the shipments a short
pick re-sources and the replay's on-time KPI all ask this rule, so what checkout showed for a
cart is what the order records, and what the replay measures:

- own store (a click-and-collect order served from its store's shelf): ready when picked,
  counted from the end of the minute the order is placed in (pick-ready rounded up to the
  minute: never early, and the same for every instant of a minute);
- transfer (a click-and-collect order served from another node): the source's ship date, the
  standard carrier's transit to the store in the store's open days, then picked from its opening;
- ship (to an address): the node's ship date, then the transit of the chosen service's carrier
  (standard or express), counted in the carrier's delivery days outside French holidays.

Ship dates depend on the minute alone (cut-offs are whole minutes), so every answer is exact for
the order's minute. `PromiseDates` keeps the answers of one minute, for nodes named by whatever
key the caller uses (an index into a network, a node id).

An order's promise is the latest of its shipments'.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar

from oms.domain.calendar import NodeCalendar, require_aware, ship_date
from oms.domain.errors import ValidationError
from oms.promise.carriers import EXPRESS, STANDARD, CarrierService, arrival_date
from oms.promise.choice import DeliveryService
from oms.promise.holidays import FRENCH_HOLIDAYS
from oms.promise.pickup import pickup_ready_at, transfer_ready_at

MINUTE = timedelta(minutes=1)
TRANSFER_CARRIER = STANDARD  # stock moving to a pickup store travels standard
CARRIER_HOLIDAYS = FRENCH_HOLIDAYS
N = TypeVar("N", bound=Hashable)


def carrier_for(service: DeliveryService) -> CarrierService:
    """The carrier service that takes a parcel to the customer's address."""
    if service is DeliveryService.EXPRESS:
        return EXPRESS
    if service is DeliveryService.STANDARD:
        return STANDARD
    raise ValidationError([f"service: {service.value} is not delivered to an address"])


def order_minute(now: datetime) -> datetime:
    """The start of the (UTC) minute an instant falls in."""
    return require_aware(now, "now").astimezone(UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True, slots=True)
class Promised:
    """One shipment's promise: the delivery date, or (click-and-collect) the instant it is
    ready and its local date at the store."""

    day: date
    ready_at: datetime | None = None

    @property
    def at(self) -> datetime:
        """As a shipment records it: the ready instant, or the delivery date at 00:00 UTC."""
        if self.ready_at is not None:
            return self.ready_at
        return datetime.combine(self.day, time(0), tzinfo=UTC)


class PromiseDates(Generic[N]):
    """The promise-date rule for orders placed in one minute, each answer worked out once."""

    __slots__ = ("_arrivals", "_ready", "_ships", "_transfers", "calendar", "minute")

    def __init__(self, calendar: Callable[[N], NodeCalendar], now: datetime) -> None:
        self.calendar = calendar
        self.minute = order_minute(now)
        self._ships: dict[N, date] = {}
        self._ready: dict[N, datetime] = {}
        self._arrivals: dict[tuple[N, str, int], date] = {}
        self._transfers: dict[tuple[N, N, int], datetime] = {}

    def shipment(
        self, node: N, service: DeliveryService, *, km: float, pickup_store: N | None = None
    ) -> Promised:
        """What a shipment from `node` promises: for click-and-collect at `pickup_store`, when
        it is ready there (`km` is from the node to the store); otherwise its delivery date
        with the service's carrier (`km` is to the address)."""
        if service is not DeliveryService.CLICK_AND_COLLECT:
            if pickup_store is not None:
                raise ValidationError([f"pickup_store: {service.value} delivers to an address"])
            return Promised(self.delivery(node, service, km))
        if pickup_store is None:
            raise ValidationError(["pickup_store: click_and_collect needs its store"])
        if node == pickup_store:
            ready = self.pick_ready(pickup_store)
        else:
            ready = self.transfer_ready(node, pickup_store, km)
        return Promised(self.calendar(pickup_store).local(ready).date(), ready)

    def ship_date(self, node: N) -> date:
        """The local date a parcel leaves the node (exact for the minute)."""
        found = self._ships.get(node)
        if found is None:
            found = self._ships[node] = ship_date(self.calendar(node), self.minute)
        return found

    def pick_ready(self, store: N) -> datetime:
        """Ready at a store from its own shelf: picking counted from the end of the minute."""
        found = self._ready.get(store)
        if found is None:
            found = pickup_ready_at(self.calendar(store), self.minute + MINUTE)
            self._ready[store] = found
        return found

    def delivery(self, node: N, service: DeliveryService, km: float) -> date:
        """The delivery date at an address `km` from the node, with the service's carrier."""
        carrier = carrier_for(service)
        days = carrier.transit_days(km)
        key = (node, carrier.name, days)
        found = self._arrivals.get(key)
        if found is None:
            found = arrival_date(carrier, self.ship_date(node), days, CARRIER_HOLIDAYS)
            self._arrivals[key] = found
        return found

    def transfer_ready(self, source: N, store: N, km: float) -> datetime:
        """Ready at a store from a transfer: shipped at the source, then picked at the store."""
        days = TRANSFER_CARRIER.transit_days(km)
        key = (source, store, days)
        found = self._transfers.get(key)
        if found is None:
            leaves = self.ship_date(source)
            found = transfer_ready_at(self.calendar(store), leaves, days)
            self._transfers[key] = found
        return found
