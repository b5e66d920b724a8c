"""Repositories of webhook endpoints, deliveries and attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update

from oms.db import tables
from oms.db.repositories.base import SqlRepository
from oms.domain.errors import NotFoundError
from oms.integrations.webhooks_model import (
    DeliveryStatus,
    EndpointStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

_ENDPOINTS = tables.webhook_endpoints.c
_DELIVERIES = tables.webhook_deliveries.c
_ATTEMPTS = tables.webhook_attempts.c


class SqlWebhookEndpoints(SqlRepository[WebhookEndpoint]):
    entity = WebhookEndpoint
    missing = staticmethod(lambda key: NotFoundError(f'webhook endpoint "{key}" does not exist'))

    def newest_first(self) -> list[WebhookEndpoint]:
        stmt = select(WebhookEndpoint).order_by(_ENDPOINTS.created_at.desc(), _ENDPOINTS.id)
        return list(self.session.scalars(stmt))

    def receiving(self) -> list[WebhookEndpoint]:
        wanted = [EndpointStatus.ACTIVE, EndpointStatus.PAUSED]
        stmt = select(WebhookEndpoint).where(_ENDPOINTS.status.in_(wanted))
        return list(self.session.scalars(stmt.order_by(_ENDPOINTS.id)))

    def reload(self, endpoint_id: str, *, lock: bool) -> WebhookEndpoint | None:
        return self.session.get(
            WebhookEndpoint, endpoint_id, populate_existing=True, with_for_update=lock
        )

    def remove(self, entity: WebhookEndpoint) -> None:
        # The database deletes its deliveries and their attempts (ON DELETE CASCADE).
        self.session.delete(entity)
        self.session.flush()


class SqlWebhookDeliveries(SqlRepository[WebhookDelivery]):
    entity = WebhookDelivery
    missing = staticmethod(lambda key: NotFoundError(f'delivery "{key}" does not exist'))

    def of_endpoint(
        self, endpoint_id: str, status: DeliveryStatus | None, limit: int
    ) -> list[WebhookDelivery]:
        stmt = select(WebhookDelivery).where(_DELIVERIES.endpoint_id == endpoint_id)
        if status is not None:
            stmt = stmt.where(_DELIVERIES.status == status)
        order = (_DELIVERIES.created_at.desc(), _DELIVERIES.position.desc(), _DELIVERIES.id)
        return list(self.session.scalars(stmt.order_by(*order).limit(limit)))

    def reload(self, delivery_id: str, *, lock: bool) -> WebhookDelivery | None:
        return self.session.get(
            WebhookDelivery, delivery_id, populate_existing=True, with_for_update=lock
        )

    def hurry(self, endpoint_id: str, now: datetime) -> int:
        stmt = (
            update(tables.webhook_deliveries)
            .where(
                _DELIVERIES.endpoint_id == endpoint_id,
                _DELIVERIES.status == DeliveryStatus.PENDING,
                _DELIVERIES.attempts > 0,
                _DELIVERIES.next_attempt_at > now,
                or_(_DELIVERIES.lease_until.is_(None), _DELIVERIES.lease_until <= now),
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(self.session.execute(stmt).rowcount)  # type: ignore[attr-defined]


class SqlWebhookAttempts(SqlRepository[WebhookAttempt]):
    entity = WebhookAttempt

    def of_deliveries(self, delivery_ids: Sequence[str]) -> dict[str, list[WebhookAttempt]]:
        found: dict[str, list[WebhookAttempt]] = {}
        if not delivery_ids:
            return found
        stmt = (
            select(WebhookAttempt)
            .where(_ATTEMPTS.delivery_id.in_(list(delivery_ids)))
            .order_by(_ATTEMPTS.delivery_id, _ATTEMPTS.number, _ATTEMPTS.id)
        )
        for attempt in self.session.scalars(stmt):
            found.setdefault(attempt.delivery_id, []).append(attempt)
        return found
