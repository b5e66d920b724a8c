"""Request and response bodies of shipment tracking (``/v1/shipments/{id}/tracking``).

A carrier integration posts one tracking event, or a JSON array of them (carriers' tracking
webhooks resend every checkpoint they know each time: EasyPost's tracker, AfterShip's
checkpoints); each is answered in the order sent."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Discriminator, Field, Tag
from pydantic import StringConstraints as Text

from oms.api.fields import Label
from oms.domain.limits import NO_CONTROL_CHARS
from oms.orders.tracking import TrackingStatus

MAX_EVENTS = 500  # tracking events in one request
Carrier = Annotated[str, Text(min_length=1, max_length=64, pattern=NO_CONTROL_CHARS)]
Description = Annotated[str, Text(min_length=1, max_length=500, pattern=NO_CONTROL_CHARS)]
# Shown as a link on the customer's page: a web address, nothing a browser would run.
WebAddress = Annotated[str, Text(max_length=2000, pattern=r"^https?://[^\s\x00-\x1F\x7F]+$")]


class TrackingEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: TrackingStatus
    occurred_at: AwareDatetime = Field(description="when it happened, with its time zone")
    carrier_event_id: Label | None = Field(
        default=None, description="the carrier's id of this checkpoint: sent again, it is a no-op"
    )
    location: Label | None = None
    description: Description | None = None
    carrier: Carrier | None = Field(default=None, description="e.g. colissimo, ups, dhl")
    tracking_number: Label | None = None
    tracking_url: WebAddress | None = Field(
        default=None, description="http(s) only; made from a known carrier's page when omitted"
    )


def _shape(body: Any) -> str:
    return "events" if isinstance(body, list) else "event"


# One event (loc ``body.event.status``) or a list (``body.events.0.status``).
TrackingBody = Annotated[
    Annotated[TrackingEventIn, Tag("event")]
    | Annotated[list[TrackingEventIn], Tag("events"), Field(min_length=1, max_length=MAX_EVENTS)],
    Discriminator(_shape),
]


class TrackingEntryOut(BaseModel):
    id: int
    status: TrackingStatus
    occurred_at: str
    location: str | None
    description: str | None
    carrier_event_id: str | None
    source: str = Field(description="carrier, or oms (written when the OMS's state changed)")
    counts: bool = Field(description="false: a late event that does not move the status back")


class ShipmentTrackingOut(BaseModel):
    id: str
    node: str
    status: str = Field(description="the shipment's status in the OMS")
    tracking: str | None = Field(description="the tracking number")
    carrier: str | None
    tracking_url: str | None
    tracking_status: TrackingStatus | None = Field(
        description="the last entry of the history that counts"
    )
    promised_at: str | None
    shipped_at: str | None
    delivered_at: str | None
    history: list[TrackingEntryOut] = Field(description="as the events happened")


class RecordedEventOut(BaseModel):
    created: bool = Field(description="false: the shipment had this carrier_event_id already")
    event: TrackingEntryOut


class TrackingRecordedOut(BaseModel):
    events: list[RecordedEventOut] = Field(description="one per event sent, in the order sent")
    shipment: ShipmentTrackingOut
