"""Shipment tracking over JSON: a carrier integration appends events, anyone entitled reads the
history. ``POST`` answers 201 when it appended an event, 200 when every event sent was known
already (by its ``carrier_event_id``): nothing changed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep, store_scope
from oms.api.fields import ShipmentId
from oms.api.responses import KEYED, errors
from oms.api.tracking_schemas import (
    ShipmentTrackingOut,
    TrackingBody,
    TrackingEventIn,
    TrackingRecordedOut,
)
from oms.stores import tracking

router = APIRouter(prefix="/v1", tags=["tracking"], responses=errors(*KEYED, 404))
SAME: dict[int | str, dict[str, Any]] = {
    200: {"model": TrackingRecordedOut, "description": "every event was known: unchanged"}
}


@router.post(
    "/shipments/{shipment_id}/tracking", status_code=status.HTTP_201_CREATED, responses=SAME
)
def record(
    shipment_id: ShipmentId, body: TrackingBody, uow: UowDep, who: PrincipalDep, response: Response
) -> TrackingRecordedOut:
    """Ops keys (carrier integrations) for any shipment, a store key for its node's own."""
    who.require(ApiRole.STORE)
    sent = [_event(e) for e in (body if isinstance(body, list) else [body])]
    done = tracking.record_carrier_events(uow, shipment_id, sent, store=store_scope(who))
    if not done.created:
        response.status_code = status.HTTP_200_OK
    return TrackingRecordedOut.model_validate(done, from_attributes=True)


@router.get("/shipments/{shipment_id}/tracking")
def history(shipment_id: ShipmentId, uow: UowDep, who: PrincipalDep) -> ShipmentTrackingOut:
    """Checkout and ops keys; a store key for shipments of orders that involve its store."""
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    view = tracking.shipment_tracking(uow, shipment_id, store_scope(who))
    return ShipmentTrackingOut.model_validate(view, from_attributes=True)


def _event(e: TrackingEventIn) -> tracking.CarrierEvent:
    return tracking.CarrierEvent(
        status=e.status.value,
        occurred_at=e.occurred_at,
        carrier_event_id=e.carrier_event_id,
        location=e.location,
        description=e.description,
        carrier=e.carrier,
        tracking_number=e.tracking_number,
        tracking_url=e.tracking_url,
    )
