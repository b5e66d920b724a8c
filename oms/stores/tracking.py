"""Tracking a shipment: what a carrier integration appends, what the OMS writes when its own
state changes, and the history both read back.

Carrier events (``record_carrier_events``) follow carrier tracking webhooks (EasyPost's
tracker, AfterShip's checkpoints): a carrier sends the checkpoints it knows, often the whole
list again each time, each with its own id. An entry whose ``carrier_event_id`` the shipment
already has is that entry: answered as it is, nothing changes. Entries may arrive late and out
of order: they are kept by the time they happened, and the tracking status never steps back
(``oms/orders/tracking.py``). A carrier's ``delivered`` marks a shipped shipment delivered
through the one delivery path (``fulfilment.mark_delivered``: ``Delivered``, the order
delivered or, for a transfer, received at the pickup store). Each entry appended raises
``ShipmentTracked``.

The OMS's own entries (``source`` "oms") come from handlers of its events: ``Shipped`` ->
``in_transit`` (the parcel left its node with its tracking number; a carrier's earlier
``label_created`` stays before it), ``Delivered`` -> ``delivered`` (unless a carrier said so
already), ``ReadyForPickup`` -> ``ready_for_pickup`` and ``Collected`` -> ``picked_up`` on
each of the order's shipments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from oms.domain.errors import ValidationError
from oms.domain.events import Collected, Delivered, ReadyForPickup, ShipmentTracked, Shipped
from oms.domain.ports import Repository
from oms.orders.model import Order, Shipment, ShipmentStatus
from oms.orders.queries import get_order, order_nodes, require_own_store, require_store_sees
from oms.orders.tracking import (
    TRACKING_STATUSES,
    TrackingEvent,
    TrackingSource,
    TrackingStatus,
    tracking_status,
    tracking_url,
)
from oms.orders.views import ShipmentView, TrackingEntryView, shipment_view
from oms.stores import fulfilment
from oms.stores.ports import StoresUnitOfWork

# A carrier's clock may run a little ahead of ours; an entry further in the future is refused.
CLOCK_SKEW = timedelta(minutes=15)


class TrackingUnitOfWork(StoresUnitOfWork, Protocol):
    @property
    def tracking_events(self) -> Repository[TrackingEvent]: ...


@dataclass(frozen=True)
class CarrierEvent:
    """One checkpoint as a carrier integration sends it (strings as received: checked here)."""

    status: str
    occurred_at: datetime
    carrier_event_id: str | None = None
    location: str | None = None
    description: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    created: bool  # False: the shipment had this carrier_event_id already
    event: TrackingEntryView


@dataclass(frozen=True)
class Recorded:
    """Each checkpoint sent, in the order sent, and the shipment with its history after."""

    events: list[RecordedEvent]
    shipment: ShipmentView

    @property
    def created(self) -> int:
        return sum(1 for e in self.events if e.created)


def shipment_tracking(
    uow: TrackingUnitOfWork, shipment_id: str, store: str | None = None
) -> ShipmentView:
    """A shipment with its history (a store key: of an order that involves its store)."""
    shipment = uow.shipments.get(shipment_id)
    order = uow.orders.get(shipment.order_id)
    require_store_sees(store, order_nodes(uow, order), f'shipment "{shipment_id}"')
    return shipment_view(shipment, _history(uow, shipment))


def record_carrier_events(
    uow: TrackingUnitOfWork,
    shipment_id: str,
    events: Sequence[CarrierEvent],
    *,
    store: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Append a carrier's checkpoints to a shipment's history (a store key: its own node's
    shipments only); commits. Every problem of every checkpoint is reported, nothing kept."""
    now = now or datetime.now(UTC)
    shipment = uow.shipments.get(shipment_id)
    require_own_store(store, shipment.node_id)
    _check(events, now)
    order = get_order(uow, shipment.order_id)  # locked: one carrier call at a time per order
    known = {e.carrier_event_id: e for e in _history(uow, shipment) if e.carrier_event_id}
    entries = []
    for sent in events:
        found = known.get(sent.carrier_event_id) if sent.carrier_event_id else None
        if found is None:
            found = _append_carrier_event(uow, order, shipment, sent, now)
            if sent.carrier_event_id:
                known[sent.carrier_event_id] = found
            entries.append((found, True))
        else:
            entries.append((found, False))
    view = shipment_view(shipment, _history(uow, shipment))
    uow.commit()
    by_id = {e.id: e for e in view.history}
    return Recorded([RecordedEvent(new, by_id[e.id or 0]) for e, new in entries], view)


def _check(events: Sequence[CarrierEvent], now: datetime) -> None:
    problems = []
    if not events:
        problems.append("events: send at least one tracking event")
    for i, sent in enumerate(events):
        where = f"events[{i}]"
        if sent.status not in TRACKING_STATUSES:
            known = ", ".join(TRACKING_STATUSES)
            problems.append(f"{where}.status: {sent.status!r} is not one of {known}")
        if sent.occurred_at.tzinfo is None:
            problems.append(f"{where}.occurred_at: must carry a time zone")
        elif sent.occurred_at > now + CLOCK_SKEW:
            problems.append(f"{where}.occurred_at: {sent.occurred_at.isoformat()} is in the future")
    if problems:
        raise ValidationError(problems)


def _append_carrier_event(
    uow: TrackingUnitOfWork, order: Order, shipment: Shipment, sent: CarrierEvent, now: datetime
) -> TrackingEvent:
    _take_carrier_details(shipment, sent)
    entry = _append(
        uow,
        shipment,
        TrackingStatus(sent.status),
        sent.occurred_at,
        TrackingSource.CARRIER,
        carrier_event_id=sent.carrier_event_id,
        location=sent.location,
        description=sent.description,
    )
    status = tracking_status(_history(uow, shipment))
    uow.emit(
        ShipmentTracked(
            order_id=order.id,
            shipment=shipment.id,
            status=entry.status.value,
            occurred_at=entry.occurred_at.isoformat(),
            tracking_status=None if status is None else status.value,
            carrier_event_id=entry.carrier_event_id,
            location=entry.location,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking,
            tracking_url=shipment.tracking_url,
        )
    )
    if entry.status is TrackingStatus.DELIVERED and shipment.status is ShipmentStatus.SHIPPED:
        # Never before it left, never later than now: the return window counts from it.
        at = min(max(entry.occurred_at, shipment.shipped_at or entry.occurred_at), now)
        fulfilment.mark_delivered(uow, order, shipment, at)
    return entry


def _take_carrier_details(shipment: Shipment, sent: CarrierEvent) -> None:
    """The carrier, number and page the integration gives are the shipment's from now on; a
    known carrier's page follows from its number when none is given."""
    shipment.carrier = sent.carrier or shipment.carrier
    shipment.tracking = sent.tracking_number or shipment.tracking
    given = sent.tracking_url
    if given is None and (sent.carrier or sent.tracking_number):
        given = tracking_url(shipment.carrier, shipment.tracking)
    shipment.tracking_url = given or shipment.tracking_url


def _append(
    uow: TrackingUnitOfWork,
    shipment: Shipment,
    status: TrackingStatus,
    occurred_at: datetime,
    source: TrackingSource,
    *,
    location: str | None = None,
    description: str | None = None,
    carrier_event_id: str | None = None,
) -> TrackingEvent:
    entry = TrackingEvent(
        shipment_id=shipment.id,
        status=status,
        occurred_at=occurred_at,
        source=source,
        carrier_event_id=carrier_event_id,
        location=location,
        description=description,
    )
    uow.tracking_events.add(entry)
    return entry


def _history(uow: TrackingUnitOfWork, shipment: Shipment) -> list[TrackingEvent]:
    return list(uow.tracking_events.list_by(shipment_id=shipment.id, order_by="id"))


# ---------------------------------------------------------------- the OMS's own entries


def track_shipped(event: Shipped, uow: TrackingUnitOfWork) -> None:
    shipment = uow.shipments.get(event.shipment)
    order = uow.orders.get(event.order_id)
    to_store = order.pickup_node is not None and order.pickup_node != shipment.node_id
    what = f"on its way to {order.pickup_node}" if to_store else "handed to the carrier"
    at = shipment.shipped_at or datetime.now(UTC)
    _append(
        uow,
        shipment,
        TrackingStatus.IN_TRANSIT,
        at,
        TrackingSource.OMS,
        location=shipment.node_id,
        description=f"Left {shipment.node_id}, {what}",
    )


def track_delivered(event: Delivered, uow: TrackingUnitOfWork) -> None:
    shipment = uow.shipments.get(event.shipment)
    said = uow.tracking_events.list_by(shipment_id=shipment.id, status=TrackingStatus.DELIVERED)
    if said:  # the carrier's own delivered entry brought this about
        return
    order = uow.orders.get(event.order_id)
    at_store = order.pickup_node is not None and order.pickup_node != shipment.node_id
    _append(
        uow,
        shipment,
        TrackingStatus.DELIVERED,
        shipment.delivered_at or datetime.now(UTC),
        TrackingSource.OMS,
        location=order.pickup_node if at_store else None,
        description=f"Arrived at {order.pickup_node}" if at_store else "Delivered",
    )


def track_ready_for_pickup(event: ReadyForPickup, uow: TrackingUnitOfWork) -> None:
    at = datetime.fromisoformat(event.ready_at)
    for shipment in _live(uow, event.order_id):
        _append(
            uow,
            shipment,
            TrackingStatus.READY_FOR_PICKUP,
            at,
            TrackingSource.OMS,
            location=event.store,
            description=f"Ready for pickup at {event.store}",
        )


def track_collected(event: Collected, uow: TrackingUnitOfWork) -> None:
    for shipment in _live(uow, event.order_id):
        _append(
            uow,
            shipment,
            TrackingStatus.PICKED_UP,
            shipment.delivered_at or datetime.now(UTC),
            TrackingSource.OMS,
            location=event.store,
            description=f"Collected at {event.store}",
        )


def _live(uow: TrackingUnitOfWork, order_id: str) -> list[Shipment]:
    shipments = uow.shipments.list_by(order_id=order_id, order_by="id")
    return [s for s in shipments if s.status is not ShipmentStatus.CANCELLED]
