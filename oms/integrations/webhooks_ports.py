"""What the webhook services and the dispatcher need of a unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from oms.domain.ports import Repository
from oms.integrations.webhooks_model import (
    Claim,
    DeliveryStatus,
    SendResult,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class WebhookEndpoints(Repository[WebhookEndpoint], Protocol):
    def newest_first(self) -> list[WebhookEndpoint]: ...

    def receiving(self) -> list[WebhookEndpoint]:
        """The endpoints events are recorded for: active and paused ones."""
        ...

    def reload(self, endpoint_id: str, *, lock: bool) -> WebhookEndpoint | None:
        """The endpoint as committed now (locked when asked); None when it was deleted."""
        ...

    def remove(self, entity: WebhookEndpoint) -> None:
        """With its deliveries and their attempts."""
        ...


class WebhookDeliveries(Repository[WebhookDelivery], Protocol):
    def add_all_now(self, entities: Sequence[WebhookDelivery]) -> None: ...

    def of_endpoint(
        self, endpoint_id: str, status: DeliveryStatus | None, limit: int
    ) -> list[WebhookDelivery]:
        """Newest first."""
        ...

    def reload(self, delivery_id: str, *, lock: bool) -> WebhookDelivery | None: ...

    def hurry(self, endpoint_id: str, now: datetime) -> int:
        """Make every delivery of the endpoint that waits for a retry due now; how many."""
        ...


class WebhookAttempts(Repository[WebhookAttempt], Protocol):
    def of_deliveries(self, delivery_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        """Each delivery's attempts, first first."""
        ...


class WebhooksUnitOfWork(Protocol):
    @property
    def webhook_endpoints(self) -> WebhookEndpoints: ...

    @property
    def webhook_deliveries(self) -> WebhookDeliveries: ...

    @property
    def webhook_attempts(self) -> WebhookAttempts: ...

    def commit(self) -> None: ...


class FanOutTarget(Protocol):
    """Where sequenced events become deliveries (the sequencer's transaction)."""

    @property
    def webhook_endpoints(self) -> WebhookEndpoints: ...

    @property
    def webhook_deliveries(self) -> WebhookDeliveries: ...


class DeliveryStore(Protocol):
    """The dispatcher's view of the database."""

    def sequence(self, now: datetime) -> int:
        """Sequence committed outbox rows and fan them out; how many."""
        ...

    def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """Up to ``limit`` deliveries ``(id, endpoint)`` that may be sent now, soonest due
        first: pending, due, not leased, their endpoint active, and each the first pending
        one of its endpoint and ordering key (a read: nothing is held)."""
        ...

    def lease(self, delivery_ids: Sequence[str], now: datetime, until: datetime) -> list[Claim]:
        """Lease those of the deliveries that may still be sent now (another dispatcher may
        have taken some): no other dispatcher will send them before ``until``."""
        ...

    def record(self, claim: Claim, result: SendResult, now: datetime) -> None:
        """Keep an attempt's result and decide what comes next (its own transaction)."""
        ...


class Sender(Protocol):
    def send(self, claim: Claim) -> SendResult:
        """One attempt: never raises, a failure is in the result."""
        ...
