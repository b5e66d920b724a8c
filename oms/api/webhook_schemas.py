"""Bodies of /v1/webhooks: an endpoint (its signing secret only when created or rotated), its
deliveries and their attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from oms.api.fields import Label
from oms.domain.limits import ID_LENGTH, NO_CONTROL_CHARS
from oms.integrations.webhooks import MAX_PATTERNS, DeliveryLog
from oms.integrations.webhooks_model import (
    DeliveryStatus,
    EndpointStatus,
    WebhookAttempt,
    WebhookEndpoint,
)
from oms.integrations.webhooks_urls import MAX_URL_LENGTH

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_LENGTH)]
Pattern = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Patterns = Annotated[list[Pattern], Field(min_length=1, max_length=MAX_PATTERNS)]


def _path(what: str) -> Any:
    return Path(
        min_length=1, max_length=ID_LENGTH, pattern=NO_CONTROL_CHARS, description=f"{what} id"
    )


WebhookId = Annotated[str, _path("webhook endpoint")]
DeliveryId = Annotated[str, _path("delivery")]

EVENTS_HELP = "event types (order.shipped), family wildcards (order.*) or * for every event"


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Url = Field(description="http or https; private addresses only if the operator allows")
    events: Patterns = Field(description=EVENTS_HELP)
    description: Label | None = None


class WebhookPatch(BaseModel):
    """Only the fields sent change; ``status`` pauses, resumes or enables again."""

    model_config = ConfigDict(extra="forbid")
    url: Url | None = None
    events: Patterns | None = Field(default=None, description=EVENTS_HELP)
    description: Label | None = Field(default=None, description="null clears it")
    status: Literal["active", "paused"] | None = None

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        # Only a description may be cleared; a null URL, events or status is no change.
        return {k: v for k, v in changes.items() if v is not None or k == "description"}


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    status: EndpointStatus = Field(description="active, paused or disabled")
    disabled_reason: str | None
    consecutive_failures: int = Field(description="failed attempts since the last 2xx")
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookOut:
        return cls.model_validate(_fields(endpoint))


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(
        description="the signing secret (whsec_...): shown only here, keep it to verify"
    )

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookWithSecretOut:
        return cls.model_validate({**_fields(endpoint), "secret": endpoint.secret})


def _fields(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {name: getattr(endpoint, name) for name in WebhookOut.model_fields}


class AttemptOut(BaseModel):
    number: int
    attempted_at: datetime
    status_code: int | None = Field(description="null: no answer (timeout, connection error)")
    response_ms: int | None
    error: str | None


class DeliveryOut(BaseModel):
    id: str
    event_id: str = Field(description="the webhook-id header: the same on every attempt")
    type: str
    status: DeliveryStatus = Field(description="pending, succeeded or failed (given up)")
    attempt_count: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_response_ms: int | None
    last_error: str | None
    created_at: datetime
    completed_at: datetime | None
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, log: DeliveryLog) -> DeliveryOut:
        return cls.from_parts(log.delivery, log.attempts)

    @classmethod
    def from_parts(cls, delivery: Any, attempts: list[WebhookAttempt]) -> DeliveryOut:
        fields = {name: getattr(delivery, name, None) for name in cls.model_fields}
        fields["attempt_count"] = delivery.attempts
        fields["attempts"] = [AttemptOut.model_validate(a, from_attributes=True) for a in attempts]
        return cls.model_validate(fields)
