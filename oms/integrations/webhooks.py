"""Webhook endpoints and deliveries (Standard Webhooks): register, change, pause and resume,
delete, send a test event, read the delivery log, retry a delivery; and the two steps of the
dispatcher that change state: the fan-out of sequenced events into deliveries, and recording
an attempt's result.

Every public event (``oms.integrations.catalogue``) becomes, when the outbox sequencer numbers
it, one delivery per endpoint whose ``events`` patterns match it and whose status is active or
paused (a paused endpoint's deliveries wait until it is resumed; a disabled endpoint gets none:
the event feed has them). Per endpoint, a delivery is sent only when no earlier event with the
same ordering key (the order's, for order events) is still pending for it: an order's events
arrive in the order they happened, after any outage. A delivery given up (``failed``) no longer
holds back the ones after it. Retries and disabling: ``oms.integrations.webhooks_schedule``.
URLs: ``oms.integrations.webhooks_urls``. Signatures: ``oms.integrations.webhooks_signing``.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.domain.events import utcnow
from oms.domain.limits import NO_CONTROL_CHARS, TEXT_LENGTH
from oms.integrations.catalogue import (
    TEST_EVENT,
    OutboxMessage,
    matches,
    new_event_id,
    pattern_errors,
)
from oms.integrations.webhooks_model import (
    Claim,
    DeliveryStatus,
    EndpointStatus,
    SendResult,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from oms.integrations.webhooks_ports import FanOutTarget, WebhooksUnitOfWork
from oms.integrations.webhooks_schedule import (
    MAX_ATTEMPTS,
    Jitter,
    disabled_reason,
    next_attempt_at,
    random_jitter,
    should_disable,
)
from oms.integrations.webhooks_signing import new_secret
from oms.integrations.webhooks_urls import Resolver, address_problem, resolve, url_problems

MAX_PATTERNS = 50
MAX_DELIVERIES_SHOWN = 200
ERROR_LENGTH = 500
_PRINTABLE = re.compile(NO_CONTROL_CHARS)


class UrlPolicy(NamedTuple):
    """Where webhooks may go: private addresses only when the operator allows them."""

    allow_private: bool = False
    resolver: Resolver = resolve


PUBLIC_ONLY = UrlPolicy()


class DeliveryLog(NamedTuple):
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


# ---------------------------------------------------------------- endpoints


def create_endpoint(
    uow: WebhooksUnitOfWork,
    url: str,
    events: Sequence[str],
    description: str | None = None,
    policy: UrlPolicy = PUBLIC_ONLY,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """A new active endpoint with a new signing secret (shown to the caller this once)."""
    problems = _url_problems(url, policy) + _events_problems(events)
    problems += _description_problems(description)
    if problems:
        raise ValidationError(problems)
    now = now or utcnow()
    endpoint = WebhookEndpoint(
        id=f"we_{secrets.token_hex(12)}",
        url=url,
        events=list(events),
        description=description,
        secret=new_secret(),
        created_at=now,
        updated_at=now,
    )
    uow.webhook_endpoints.add(endpoint)
    uow.commit()
    return endpoint


def list_endpoints(uow: WebhooksUnitOfWork) -> list[WebhookEndpoint]:
    return uow.webhook_endpoints.newest_first()


def get_endpoint(uow: WebhooksUnitOfWork, endpoint_id: str) -> WebhookEndpoint:
    return uow.webhook_endpoints.get(endpoint_id)


EDITABLE = ("url", "events", "description", "status")


def update_endpoint(
    uow: WebhooksUnitOfWork,
    endpoint_id: str,
    changes: Mapping[str, Any],
    policy: UrlPolicy = PUBLIC_ONLY,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """Change the URL, the event patterns or the description; pause (``status: paused``) or
    resume / enable again (``status: active``, which forgets past failures)."""
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    problems = [f"{name}: cannot be changed" for name in changes if name not in EDITABLE]
    if "url" in changes:
        problems += _url_problems(changes["url"], policy)
    if "events" in changes:
        problems += _events_problems(changes["events"])
    if "description" in changes:
        problems += _description_problems(changes["description"])
    status = changes.get("status", endpoint.status)
    if status not in (EndpointStatus.ACTIVE, EndpointStatus.PAUSED):
        problems.append(f"status: active or paused (disabled is the dispatcher's), not {status!r}")
    if problems:
        raise ValidationError(problems)
    for name in ("url", "description"):
        if name in changes:
            setattr(endpoint, name, changes[name])
    if "events" in changes:
        endpoint.events = list(changes["events"])
    if "status" in changes:
        _set_status(endpoint, EndpointStatus(status))
    endpoint.updated_at = now or utcnow()
    uow.commit()
    return endpoint


def _set_status(endpoint: WebhookEndpoint, status: EndpointStatus) -> None:
    if status is EndpointStatus.ACTIVE and endpoint.status is not EndpointStatus.ACTIVE:
        endpoint.disabled_reason = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
    endpoint.status = status


def delete_endpoint(uow: WebhooksUnitOfWork, endpoint_id: str) -> WebhookEndpoint:
    """The endpoint, its deliveries and their attempts are deleted; nothing more is sent."""
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    uow.webhook_endpoints.remove(endpoint)
    uow.commit()
    return endpoint


def rotate_secret(
    uow: WebhooksUnitOfWork, endpoint_id: str, now: datetime | None = None
) -> WebhookEndpoint:
    """A new signing secret (shown this once); the next attempt is signed with it."""
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    endpoint.secret = new_secret()
    endpoint.updated_at = now or utcnow()
    uow.commit()
    return endpoint


def _url_problems(url: object, policy: UrlPolicy) -> list[str]:
    if not isinstance(url, str):
        return ["url: must be a string"]
    problems = url_problems(url)
    if problems:
        return problems
    problem = address_problem(url, policy.allow_private, policy.resolver)
    return [] if problem is None else [problem]


def _events_problems(events: object) -> list[str]:
    if not isinstance(events, list | tuple) or not events:
        return ["events: at least one event type, family wildcard (order.*) or *"]
    if len(events) > MAX_PATTERNS:
        return [f"events: at most {MAX_PATTERNS} patterns"]
    if not all(isinstance(e, str) for e in events):
        return ["events: each pattern is a string"]
    return [f"events: {problem}" for problem in pattern_errors(list(events))]


def _description_problems(description: object) -> list[str]:
    if description is None:
        return []
    if (
        not isinstance(description, str)
        or not 1 <= len(description) <= TEXT_LENGTH
        or not _PRINTABLE.match(description)
    ):
        return [f"description: 1 to {TEXT_LENGTH} printable characters, or null"]
    return []


# ---------------------------------------------------------------- deliveries


def send_test(
    uow: WebhooksUnitOfWork, endpoint_id: str, now: datetime | None = None
) -> WebhookDelivery:
    """A ``webhook.test`` event for this endpoint only, sent as soon as a dispatcher runs."""
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    if endpoint.status is not EndpointStatus.ACTIVE:
        raise ConflictError(
            f'webhook endpoint "{endpoint_id}" is {endpoint.status}: set it active first'
        )
    now = now or utcnow()
    event_id = new_event_id()
    data = {"endpoint_id": endpoint.id, "message": "a test event sent by POST .../test"}
    message = OutboxMessage(event_id, TEST_EVENT, f"{TEST_EVENT}:{event_id}", data, now)
    delivery = delivery_of(message, endpoint, now)
    uow.webhook_deliveries.add(delivery)
    uow.commit()
    return delivery


def list_deliveries(
    uow: WebhooksUnitOfWork,
    endpoint_id: str,
    status: DeliveryStatus | None = None,
    limit: int = 50,
) -> list[DeliveryLog]:
    """The endpoint's deliveries, newest first, each with its attempts."""
    if not 1 <= limit <= MAX_DELIVERIES_SHOWN:
        raise ValidationError([f"limit: between 1 and {MAX_DELIVERIES_SHOWN}, not {limit}"])
    uow.webhook_endpoints.get(endpoint_id)
    deliveries = uow.webhook_deliveries.of_endpoint(endpoint_id, status, limit)
    attempts = uow.webhook_attempts.of_deliveries([d.id for d in deliveries])
    return [DeliveryLog(d, attempts.get(d.id, [])) for d in deliveries]


def retry_delivery(
    uow: WebhooksUnitOfWork, endpoint_id: str, delivery_id: str, now: datetime | None = None
) -> WebhookDelivery:
    """One more attempt, due now (after the earlier pending events of its ordering key, and
    once the endpoint is active). A pending delivery keeps its schedule's remaining attempts."""
    uow.webhook_endpoints.get(endpoint_id)
    delivery = uow.webhook_deliveries.reload(delivery_id, lock=True)
    if delivery is None or delivery.endpoint_id != endpoint_id:
        raise NotFoundError(
            f'delivery "{delivery_id}" of webhook endpoint "{endpoint_id}" does not exist'
        )
    now = now or utcnow()
    if delivery.status is not DeliveryStatus.PENDING:
        delivery.max_attempts = delivery.attempts + 1
        delivery.completed_at = None
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    uow.commit()
    return delivery


# ---------------------------------------------------------------- the dispatcher's steps


def payload_of(message: OutboxMessage) -> str:
    return json.dumps(message.body(), separators=(",", ":"), ensure_ascii=False)


def delivery_of(
    message: OutboxMessage, endpoint: WebhookEndpoint, now: datetime
) -> WebhookDelivery:
    return WebhookDelivery(
        id=f"wd_{secrets.token_hex(12)}",
        endpoint_id=endpoint.id,
        event_id=message.event_id,
        type=message.type,
        ordering_key=message.ordering_key,
        payload=payload_of(message),
        position=message.position,
        max_attempts=MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    )


def fan_out(target: FanOutTarget, messages: Sequence[OutboxMessage], now: datetime) -> int:
    """A delivery per sequenced event and endpoint that subscribes to it (in the sequencer's
    transaction: each event is fanned out once); how many."""
    endpoints = target.webhook_endpoints.receiving()
    if not endpoints:
        return 0
    deliveries = [
        delivery_of(message, endpoint, now)
        for message in messages
        for endpoint in endpoints
        if matches(message.type, endpoint.events)
    ]
    if deliveries:
        target.webhook_deliveries.add_all_now(deliveries)
    return len(deliveries)


def record_attempt(
    uow: WebhooksUnitOfWork,
    claim: Claim,
    result: SendResult,
    now: datetime,
    jitter: Jitter = random_jitter,
) -> None:
    """Keep the attempt and decide what follows: done, the next attempt, or given up (and the
    endpoint disabled after failing for too long). Committed."""
    endpoint = uow.webhook_endpoints.reload(claim.endpoint_id, lock=True)
    delivery = uow.webhook_deliveries.reload(claim.delivery_id, lock=True)
    if endpoint is None or delivery is None:
        return  # deleted while it was being sent
    number = delivery.attempts + 1
    error = None if result.error is None else result.error[:ERROR_LENGTH]
    uow.webhook_attempts.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=number,
            attempted_at=now,
            status_code=result.status_code,
            response_ms=result.response_ms,
            error=error,
        )
    )
    if delivery.lease_token == claim.token:  # else its lease ran out: the new holder decides
        _after_attempt(uow, endpoint, delivery, result, number, error, now, jitter)
    uow.commit()


def _after_attempt(
    uow: WebhooksUnitOfWork,
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    result: SendResult,
    number: int,
    error: str | None,
    now: datetime,
    jitter: Jitter,
) -> None:
    delivery.attempts = number
    delivery.last_attempt_at = now
    delivery.last_status_code, delivery.last_response_ms = result.status_code, result.response_ms
    delivery.last_error = error
    delivery.lease_until = delivery.lease_token = None
    if result.ok:
        delivery.status, delivery.completed_at, delivery.next_attempt_at = (
            DeliveryStatus.SUCCEEDED,
            now,
            None,
        )
        if endpoint.consecutive_failures:
            # It answers again: what waits for a retry need not wait any longer.
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
            uow.webhook_deliveries.hurry(endpoint.id, now)
        return
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    delivery.next_attempt_at = next_attempt_at(number, delivery.max_attempts, now, jitter)
    if delivery.next_attempt_at is not None:
        return
    delivery.status, delivery.completed_at = DeliveryStatus.FAILED, now
    if endpoint.status is EndpointStatus.ACTIVE and should_disable(endpoint.failing_since, now):
        endpoint.status = EndpointStatus.DISABLED
        endpoint.disabled_reason = disabled_reason(endpoint.failing_since)
        endpoint.updated_at = now
