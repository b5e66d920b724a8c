"""Webhook endpoints, their deliveries (one per event and endpoint) and each delivery's attempts:
the integrations context's entities. Plain classes; ``oms/db/orm.py`` maps them to their tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from oms.domain.events import utcnow


class EndpointStatus(StrEnum):
    ACTIVE = "active"  # deliveries are recorded and sent
    PAUSED = "paused"  # deliveries are recorded and held until it is resumed
    DISABLED = "disabled"  # by the dispatcher after failing too long: nothing recorded or sent


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # to send, or being sent, or waiting for its next attempt
    SUCCEEDED = "succeeded"  # a 2xx answered an attempt
    FAILED = "failed"  # the last attempt of the schedule failed: given up


@dataclass(eq=False, kw_only=True)
class WebhookEndpoint:
    id: str
    url: str
    events: list[str]  # event type patterns: "*", "order.*", "order.shipped"
    secret: str  # whsec_..., shown once when created (and when rotated)
    description: str | None = None
    status: EndpointStatus = EndpointStatus.ACTIVE
    disabled_reason: str | None = None
    consecutive_failures: int = 0  # failed attempts since the last 2xx
    failing_since: datetime | None = None  # the first of them
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)


@dataclass(eq=False, kw_only=True)
class WebhookDelivery:
    """One event for one endpoint: the exact body sent on every attempt (same ``webhook-id``,
    the event id), its status and the schedule of its next attempt."""

    id: str
    endpoint_id: str
    event_id: str
    type: str
    ordering_key: str
    payload: str  # the JSON body, byte for byte what every attempt sends
    position: int | None = None  # the event's place in commit order (None: a test event)
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    max_attempts: int = 8
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None  # a dispatcher is sending it until then
    lease_token: str | None = None
    last_status_code: int | None = None
    last_response_ms: int | None = None
    last_error: str | None = None
    last_attempt_at: datetime | None = None
    completed_at: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass(eq=False, kw_only=True)
class WebhookAttempt:
    delivery_id: str
    number: int  # 1 for the first attempt
    attempted_at: datetime
    status_code: int | None = None  # None: no answer (timeout, refused, connection error)
    response_ms: int | None = None
    error: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery a dispatcher holds (its lease) and is about to send."""

    delivery_id: str
    endpoint_id: str
    url: str
    secret: str
    event_id: str
    payload: str
    token: str


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one attempt got: a status code (a 2xx is success) or an error, and how long."""

    status_code: int | None
    response_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> dict[str, Any]:
        return {"status_code": self.status_code, "ms": self.response_ms, "error": self.error}
