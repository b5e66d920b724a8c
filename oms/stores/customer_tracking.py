"""The customer's tracking page: an order found by its number and the e-mail it was placed
with shows its status, each shipment's history, the pickup store and its opening hours, and
what may be returned, how and until when.

Nothing is shown without the matching e-mail, and a caller cannot tell a wrong e-mail from an
unknown order: both read the order by its number, compare two SHA-256 digests in constant time
(``hmac.compare_digest``; an unknown order or one without an e-mail compares against a fixed
value) and give the same ``None``. E-mails are compared trimmed and lower case (orders keep
them lower case). What the page shows is what the holder of that e-mail knows already or is
owed (statuses, dates, places of the parcel, stores): no address, name or phone."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from oms.domain.calendar import NodeCalendar
from oms.orders.model import DeliveryMethod, Order, ShipmentStatus
from oms.orders.views import ShipmentView, shipments_with_history
from oms.promise.nodes import node_info
from oms.returns.facts import order_facts, return_nodes
from oms.returns.options import ReturnOptions, return_options
from oms.returns.policy import POLICY
from oms.returns.ports import ReturnsUnitOfWork

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOLIDAYS_AHEAD = timedelta(days=60)  # closures shown with the opening hours
_NOBODY = hashlib.sha256(b"no order has this e-mail").digest()
# Still on its way to the customer or the store: returns open once it arrives.
_ON_ITS_WAY = frozenset({"created", "allocated", "picking", "shipped", "ready_for_pickup"})


@dataclass(frozen=True)
class OpeningDay:
    weekday: str
    hours: str | None  # "09:00-18:00"; None: closed


@dataclass(frozen=True)
class PickupStore:
    id: str
    timezone: str
    days: list[OpeningDay]
    closed_on: list[date]  # holidays in the coming weeks
    ready_at: datetime | None
    expires_at: datetime | None  # collect before


@dataclass(frozen=True)
class CustomerTracking:
    order_id: str
    status: str
    method: str
    placed_at: datetime
    shipments: list[ShipmentView]
    pickup: PickupStore | None
    returns: ReturnOptions
    on_its_way: bool  # returns open once it is delivered


def look_up(
    uow: ReturnsUnitOfWork, order_number: str, email: str, now: datetime | None = None
) -> CustomerTracking | None:
    """The order's tracking when ``email`` is the order's; None otherwise, whatever the
    reason (no such order, another e-mail, an order without one)."""
    order = uow.orders.find(order_number.strip())
    known = order.email if order is not None else None
    expected = _digest(known) if known else _NOBODY
    matches = hmac.compare_digest(expected, _digest(email))
    if order is None or not known or not matches:
        return None
    return _tracking(uow, order, now or datetime.now(UTC))


def _digest(email: str) -> bytes:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).digest()


def _tracking(uow: ReturnsUnitOfWork, order: Order, now: datetime) -> CustomerTracking:
    shipments = uow.shipments.list_by(order_id=order.id, order_by="id")
    live = [s for s in shipments if s.status is not ShipmentStatus.CANCELLED]
    return CustomerTracking(
        order_id=order.id,
        status=order.status.value,
        method=order.method.value,
        placed_at=order.created_at,
        shipments=shipments_with_history(uow, live),
        pickup=_pickup(uow, order, now),
        returns=return_options(order_facts(uow, order), POLICY, now, return_nodes(uow)),
        on_its_way=order.status.value in _ON_ITS_WAY,
    )


def _pickup(uow: ReturnsUnitOfWork, order: Order, now: datetime) -> PickupStore | None:
    if order.method is not DeliveryMethod.PICKUP or order.pickup_node is None:
        return None
    store = uow.nodes.find(order.pickup_node)
    if store is None:
        return None
    calendar = node_info(store).calendar
    return PickupStore(
        id=store.id,
        timezone=calendar.timezone,
        days=opening_days(calendar),
        closed_on=closures(calendar, now),
        ready_at=order.ready_at,
        expires_at=order.expires_at,
    )


def opening_days(calendar: NodeCalendar) -> list[OpeningDay]:
    """The store's week, Monday first: its hours on the days it opens."""
    hours = f"{calendar.opens:%H:%M}-{calendar.closes:%H:%M}"
    return [
        OpeningDay(name, hours if i in calendar.open_days else None)
        for i, name in enumerate(WEEKDAYS)
    ]


def closures(calendar: NodeCalendar, now: datetime) -> list[date]:
    """The store's holidays from today (its local date) over the next weeks."""
    today = calendar.local(now).date()
    last = today + HOLIDAYS_AHEAD
    return sorted(d for d in calendar.holidays if today <= d <= last)
