"""Fakes of the webhook repositories."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

from oms.domain.errors import NotFoundError
from oms.integrations.webhooks_model import (
    DeliveryStatus,
    EndpointStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.fakes.base import FakeRepository


class FakeWebhookEndpoints(FakeRepository[WebhookEndpoint]):
    entity = WebhookEndpoint
    missing = staticmethod(lambda key: NotFoundError(f'webhook endpoint "{key}" does not exist'))

    def __init__(self, deliveries: FakeWebhookDeliveries) -> None:
        super().__init__()
        self.deliveries = deliveries

    def newest_first(self) -> list[WebhookEndpoint]:
        return sorted(self.rows.values(), key=lambda e: (e.created_at, e.id), reverse=True)

    def receiving(self) -> list[WebhookEndpoint]:
        wanted = (EndpointStatus.ACTIVE, EndpointStatus.PAUSED)
        return self.list_by(status=wanted, order_by="id")

    def reload(self, endpoint_id: str, *, lock: bool) -> WebhookEndpoint | None:
        return self.find(endpoint_id)

    def remove(self, entity: WebhookEndpoint) -> None:
        super().remove(entity)
        for delivery in self.deliveries.list_by(endpoint_id=entity.id):
            self.deliveries.remove(delivery)


class FakeWebhookDeliveries(FakeRepository[WebhookDelivery]):
    entity = WebhookDelivery
    missing = staticmethod(lambda key: NotFoundError(f'delivery "{key}" does not exist'))

    def add(self, entity: WebhookDelivery) -> None:
        taken = {(d.endpoint_id, d.event_id) for d in self.rows.values()}
        # The database's unique (endpoint, event): an event is fanned out once per endpoint.
        assert (entity.endpoint_id, entity.event_id) not in taken, "delivery recorded twice"
        super().add(entity)

    def of_endpoint(
        self, endpoint_id: str, status: DeliveryStatus | None, limit: int
    ) -> list[WebhookDelivery]:
        found = [
            d
            for d in self.rows.values()
            if d.endpoint_id == endpoint_id and status in (None, d.status)
        ]
        found.sort(key=lambda d: d.position or 0, reverse=True)
        found.sort(key=lambda d: d.created_at, reverse=True)
        return found[:limit]

    def reload(self, delivery_id: str, *, lock: bool) -> WebhookDelivery | None:
        return self.find(delivery_id)

    def hurry(self, endpoint_id: str, now: datetime) -> int:
        hurried = 0
        for d in self.rows.values():
            waiting = d.next_attempt_at is not None and d.next_attempt_at > now
            free = d.lease_until is None or d.lease_until <= now
            mine = d.endpoint_id == endpoint_id and d.status is DeliveryStatus.PENDING
            if mine and d.attempts > 0 and waiting and free:
                d.next_attempt_at = now
                hurried += 1
        return hurried


_attempt_ids = itertools.count(1)


class FakeWebhookAttempts(FakeRepository[WebhookAttempt]):
    entity = WebhookAttempt

    def add(self, entity: WebhookAttempt) -> None:
        entity.id = next(_attempt_ids)
        super().add(entity)

    def of_deliveries(self, delivery_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        found: dict[str, list[WebhookAttempt]] = {}
        for attempt in sorted(self.rows.values(), key=lambda a: (a.number, a.id or 0)):
            if attempt.delivery_id in delivery_ids:
                found.setdefault(attempt.delivery_id, []).append(attempt)
        return found
