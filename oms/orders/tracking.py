"""A shipment's tracking history: the vocabulary integrators know, the entries carriers and
the OMS append, and the rule that gives the shipment's tracking status from its history.

The vocabulary is AfterShip's and EasyPost's, in their snake_case spelling: ``label_created``
(EasyPost's pre_transit, AfterShip's InfoReceived), ``in_transit``, ``out_for_delivery``,
``attempted_delivery``, ``delayed``, ``ready_for_pickup`` (at a pickup point or the pickup
store), ``picked_up`` (by the customer), ``delivered``, ``exception``.

The status rule (``tracking_status``). Entries are kept in the order they happened
(``occurred_at``, then the order they arrived), whenever they arrive. Each status but
``delayed`` and ``exception`` has a stage: label created 0, in transit 1, out for delivery and
attempted delivery 2, delivered and ready for pickup 3, picked up 4. Read in that order, an
entry whose stage is below the highest stage before it steps back and does not count (a late
``in_transit`` after ``out_for_delivery``); ``delayed`` and ``exception`` say something about
the current stage and count until the parcel is delivered or picked up. The shipment's tracking
status is the last entry that counts. So a late entry never moves the status backwards, and the
stage reached only grows as entries are added, whatever order they arrive in.

Plain classes: ``oms/db/orm.py`` maps ``TrackingEvent`` to its table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import quote

from oms.domain.events import utcnow


class TrackingStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ATTEMPTED_DELIVERY = "attempted_delivery"
    DELAYED = "delayed"
    READY_FOR_PICKUP = "ready_for_pickup"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


TRACKING_STATUSES: tuple[str, ...] = tuple(s.value for s in TrackingStatus)


class TrackingSource(StrEnum):
    CARRIER = "carrier"  # appended by a carrier integration (POST /v1/shipments/{id}/tracking)
    OMS = "oms"  # written by the OMS when its own state changed (shipped, ready, collected...)


S = TrackingStatus
STAGE: dict[TrackingStatus, int] = {
    S.LABEL_CREATED: 0,
    S.IN_TRANSIT: 1,
    S.OUT_FOR_DELIVERY: 2,
    S.ATTEMPTED_DELIVERY: 2,
    S.DELIVERED: 3,
    S.READY_FOR_PICKUP: 3,
    S.PICKED_UP: 4,
}
# Once the parcel reached its addressee, nothing is delayed or in exception any more.
ARRIVED = frozenset({S.DELIVERED, S.PICKED_UP})

# Public tracking pages of common carriers; ``{number}`` is the tracking number, URL-quoted.
CARRIER_URLS: dict[str, str] = {
    "colissimo": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "laposte": "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    "chronopost": "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={number}",
    "dpd": "https://trace.dpd.fr/fr/trace/{number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "gls": "https://gls-group.com/track/{number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
}


@dataclass(eq=False, kw_only=True)
class TrackingEvent:
    """One entry of a shipment's history. ``carrier_event_id`` (the carrier's own id of the
    checkpoint) is unique per shipment when given: the same id again is the same entry."""

    shipment_id: str
    status: TrackingStatus
    occurred_at: datetime
    source: TrackingSource
    carrier_event_id: str | None = None
    location: str | None = None
    description: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None


def in_order(history: Iterable[TrackingEvent]) -> list[TrackingEvent]:
    """Entries as they happened: by ``occurred_at``, then as they arrived (their id)."""
    return sorted(history, key=lambda e: (e.occurred_at, e.id if e.id is not None else 1 << 62))


def counting(history: Iterable[TrackingEvent]) -> list[bool]:
    """For each entry of ``in_order(history)``: whether it counts (does not step back)."""
    stage, arrived, counts = -1, False, []
    for entry in in_order(history):
        status = TrackingStatus(entry.status)
        step = STAGE.get(status)
        if step is None:
            counts.append(not arrived)
            continue
        counts.append(step >= stage)
        if step >= stage:
            stage = step
            arrived = arrived or status in ARRIVED
    return counts


def tracking_status(history: Sequence[TrackingEvent]) -> TrackingStatus | None:
    """The shipment's tracking status: the last entry that counts; None without history."""
    ordered = in_order(history)
    counted = [e for e, ok in zip(ordered, counting(ordered), strict=True) if ok]
    return TrackingStatus(counted[-1].status) if counted else None


def tracking_url(carrier: str | None, number: str | None) -> str | None:
    """The carrier's public tracking page for ``number``, when the carrier is one we know."""
    if not carrier or not number:
        return None
    template = CARRIER_URLS.get(carrier.strip().lower())
    return None if template is None else template.format(number=quote(number, safe=""))
