"""Webhook endpoints (ops only), to the Standard Webhooks specification.

Register an endpoint with the event types it wants (``order.shipped``, ``order.*``, ``*``); the
answer holds its signing secret, shown only then (and by ``rotate-secret``). Each event is
``POST``ed as ``{"id", "type", "timestamp", "data"}`` with ``webhook-id`` (the event id, the same
on every retry), ``webhook-timestamp`` and ``webhook-signature`` headers. A 2xx within the
timeout (10 s) is success; anything else is tried again 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and
10 h later (+/-15 % jitter): 8 attempts over about 27.5 h, then the delivery is ``failed``. An
endpoint that has failed every attempt for 5 days is disabled when a delivery is given up;
``PATCH {"status": "active"}`` enables it again. Per endpoint, an order's events arrive in the
order they happened. URLs must be http(s) and, unless the operator sets
``OMS_WEBHOOKS_ALLOW_PRIVATE=true``, resolve to public addresses only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep
from oms.api.responses import KEYED, errors
from oms.api.webhook_schemas import (
    DeliveryId,
    DeliveryOut,
    WebhookId,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookWithSecretOut,
)
from oms.config import get_settings
from oms.integrations import webhooks
from oms.integrations.webhooks import MAX_DELIVERIES_SHOWN, UrlPolicy
from oms.integrations.webhooks_model import DeliveryStatus

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=errors(*KEYED))
OPS = ApiRole.OPS


def _policy() -> UrlPolicy:
    return UrlPolicy(allow_private=get_settings().webhooks_allow_private)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_webhook(
    body: WebhookIn, response: Response, uow: UowDep, who: PrincipalDep
) -> WebhookWithSecretOut:
    """A new endpoint; the answer's `secret` is the only time it is shown."""
    who.require(OPS)
    endpoint = webhooks.create_endpoint(uow, body.url, body.events, body.description, _policy())
    response.headers["Cache-Control"] = "no-store"
    return WebhookWithSecretOut.of(endpoint)


@router.get("")
def list_webhooks(uow: UowDep, who: PrincipalDep) -> list[WebhookOut]:
    """Every endpoint, newest first (never a secret)."""
    who.require(OPS)
    return [WebhookOut.of(e) for e in webhooks.list_endpoints(uow)]


@router.get("/{webhook_id}", responses=errors(404))
def get_webhook(webhook_id: WebhookId, uow: UowDep, who: PrincipalDep) -> WebhookOut:
    who.require(OPS)
    return WebhookOut.of(webhooks.get_endpoint(uow, webhook_id))


@router.patch("/{webhook_id}", responses=errors(404))
def update_webhook(
    webhook_id: WebhookId, body: WebhookPatch, uow: UowDep, who: PrincipalDep
) -> WebhookOut:
    """Change the URL, events or description; `status`: `paused` holds deliveries, `active`
    resumes (or enables a disabled endpoint again)."""
    who.require(OPS)
    endpoint = webhooks.update_endpoint(uow, webhook_id, body.changes(), _policy())
    return WebhookOut.of(endpoint)


@router.delete("/{webhook_id}", responses=errors(404))
def delete_webhook(webhook_id: WebhookId, uow: UowDep, who: PrincipalDep) -> WebhookOut:
    """The endpoint and its delivery log are deleted; nothing more is sent to it. The answer
    is the endpoint as it was."""
    who.require(OPS)
    return WebhookOut.of(webhooks.delete_endpoint(uow, webhook_id))


@router.post("/{webhook_id}/rotate-secret", responses=errors(404))
def rotate_secret(
    webhook_id: WebhookId, response: Response, uow: UowDep, who: PrincipalDep
) -> WebhookWithSecretOut:
    """A new signing secret, shown this once; attempts from now on are signed with it."""
    who.require(OPS)
    endpoint = webhooks.rotate_secret(uow, webhook_id)
    response.headers["Cache-Control"] = "no-store"
    return WebhookWithSecretOut.of(endpoint)


@router.post("/{webhook_id}/test", status_code=status.HTTP_202_ACCEPTED, responses=errors(404, 409))
def send_test(webhook_id: WebhookId, uow: UowDep, who: PrincipalDep) -> DeliveryOut:
    """Queue a `webhook.test` event for this endpoint (409 unless it is active)."""
    who.require(OPS)
    return DeliveryOut.from_parts(webhooks.send_test(uow, webhook_id), [])


@router.get("/{webhook_id}/deliveries", responses=errors(404))
def list_deliveries(
    webhook_id: WebhookId,
    uow: UowDep,
    who: PrincipalDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DELIVERIES_SHOWN)] = 50,
) -> list[DeliveryOut]:
    """The endpoint's deliveries, newest first, each with every attempt (when, status code,
    response time, error) and its next attempt."""
    who.require(OPS)
    logs = webhooks.list_deliveries(uow, webhook_id, delivery_status, limit)
    return [DeliveryOut.of(log) for log in logs]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(404),
)
def retry_delivery(
    webhook_id: WebhookId, delivery_id: DeliveryId, uow: UowDep, who: PrincipalDep
) -> DeliveryOut:
    """One more attempt of the delivery, due now (a failed one gets one attempt)."""
    who.require(OPS)
    delivery = webhooks.retry_delivery(uow, webhook_id, delivery_id)
    return DeliveryOut.from_parts(delivery, [])
