"""Webhook endpoints and deliveries on the fake unit of work: registering (the secret shown
once), changing, pausing, deleting; the fan-out of events into deliveries; what an attempt's
result leads to (done, the next attempt on the schedule, given up, the endpoint disabled);
the test event and a manual retry."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.integrations import webhooks
from oms.integrations.catalogue import OutboxMessage
from oms.integrations.webhooks import UrlPolicy
from oms.integrations.webhooks_model import (
    Claim,
    DeliveryStatus,
    EndpointStatus,
    SendResult,
    WebhookDelivery,
)
from oms.integrations.webhooks_schedule import DISABLE_AFTER, MAX_ATTEMPTS, RETRY_DELAYS
from tests.fakes import FakeUnitOfWork

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PUBLIC = UrlPolicy(resolver=lambda host: ["93.184.216.34"])
LOCAL = UrlPolicy(allow_private=True)
NO_JITTER = lambda: 0.0  # noqa: E731
OK = SendResult(204, 12)
DOWN = SendResult(None, 3, "ConnectError: refused")


def message(position: int, kind: str = "order.created", order: str = "O-1") -> OutboxMessage:
    data = {"order_id": order, "n": position}
    return OutboxMessage(f"evt_{position}", kind, f"order:{order}", data, T0, position)


def endpoint(
    uow: FakeUnitOfWork, events: list[str] | None = None, url: str = "https://a.example/h"
):
    return webhooks.create_endpoint(uow, url, events or ["*"], "shop", PUBLIC, now=T0)


def claim_of(uow: FakeUnitOfWork, delivery: WebhookDelivery, token: str = "t1") -> Claim:
    delivery.lease_token = token
    hook = uow.webhook_endpoints.get(delivery.endpoint_id)
    return Claim(
        delivery.id, hook.id, hook.url, hook.secret, delivery.event_id, delivery.payload, token
    )


def attempt(uow: FakeUnitOfWork, delivery: WebhookDelivery, result: SendResult, at: datetime):
    webhooks.record_attempt(uow, claim_of(uow, delivery), result, at, NO_JITTER)


# ---------------------------------------------------------------- endpoints


def test_a_new_endpoint_is_active_with_a_whsec_secret_and_is_committed():
    uow = FakeUnitOfWork()
    hook = endpoint(uow, ["order.*", "return.refunded"])
    assert hook.id.startswith("we_") and hook.secret.startswith("whsec_")
    assert hook.status is EndpointStatus.ACTIVE and uow.committed == 1
    assert webhooks.list_endpoints(uow) == [hook] and webhooks.get_endpoint(uow, hook.id) is hook


def test_every_problem_of_a_new_endpoint_is_reported_at_once_and_nothing_is_stored():
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationError) as refused:
        webhooks.create_endpoint(uow, "ftp://x", ["order.shipped", "parcel.*", "nope"], "a\tb")
    fields = [p.split(":")[0] for p in refused.value.problems]
    assert fields == ["url", "events", "events", "description"]
    with pytest.raises(ValidationError, match="at least one event"):
        webhooks.create_endpoint(uow, "https://a.example/", [], policy=PUBLIC)
    assert not uow.webhook_endpoints.rows and uow.committed == 0


def test_a_loopback_url_is_refused_unless_the_operator_allows_private_addresses():
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationError, match="OMS_WEBHOOKS_ALLOW_PRIVATE"):
        webhooks.create_endpoint(uow, "http://127.0.0.1:9/hook", ["*"])
    hook = webhooks.create_endpoint(uow, "http://127.0.0.1:9/hook", ["*"], policy=LOCAL)
    assert hook.url == "http://127.0.0.1:9/hook"


def test_an_endpoint_is_paused_resumed_and_its_events_and_description_changed():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.update_endpoint(uow, hook.id, {"status": "paused"}, PUBLIC)
    assert hook.status is EndpointStatus.PAUSED
    changes = {"events": ["order.shipped"], "description": None, "status": "active"}
    webhooks.update_endpoint(uow, hook.id, changes, PUBLIC)
    assert (hook.events, hook.description, hook.status) == (["order.shipped"], None, "active")


def test_an_endpoint_cannot_be_set_disabled_nor_changed_with_bad_values():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    bad = {"status": "disabled", "events": ["x.*"], "url": "gopher://a", "secret": "mine"}
    with pytest.raises(ValidationError) as refused:
        webhooks.update_endpoint(uow, hook.id, bad, PUBLIC)
    assert sorted(p.split(":")[0] for p in refused.value.problems) == [
        "events",
        "secret",
        "status",
        "url",
    ]
    assert hook.status is EndpointStatus.ACTIVE and hook.events == ["*"]
    with pytest.raises(NotFoundError, match='webhook endpoint "we_nope" does not exist'):
        webhooks.update_endpoint(uow, "we_nope", {}, PUBLIC)


def test_a_disabled_endpoint_set_active_again_forgets_its_failures():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    hook.status, hook.disabled_reason = EndpointStatus.DISABLED, "failing"
    hook.consecutive_failures, hook.failing_since = 40, T0
    webhooks.update_endpoint(uow, hook.id, {"status": "active"}, PUBLIC)
    assert (hook.status, hook.disabled_reason, hook.consecutive_failures) == ("active", None, 0)
    assert hook.failing_since is None


def test_deleting_an_endpoint_deletes_its_deliveries():
    uow = FakeUnitOfWork()
    hook, other = endpoint(uow), endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    webhooks.delete_endpoint(uow, hook.id)
    assert [d.endpoint_id for d in uow.webhook_deliveries.rows.values()] == [other.id]
    with pytest.raises(NotFoundError):
        webhooks.get_endpoint(uow, hook.id)


def test_rotating_the_secret_gives_a_new_one():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    old = hook.secret
    assert webhooks.rotate_secret(uow, hook.id).secret not in (old, "")


# ---------------------------------------------------------------- fan-out


def test_each_event_becomes_one_delivery_per_endpoint_that_subscribes_to_it():
    uow = FakeUnitOfWork()
    orders = endpoint(uow, ["order.*"])
    shipped = endpoint(uow, ["order.shipped"])
    everything = endpoint(uow, ["*"])
    events = [message(1, "order.created"), message(2, "order.shipped"), message(3, "node.created")]
    assert webhooks.fan_out(uow, events, T0) == 6
    by_endpoint = {
        hook.id: sorted(d.type for d in uow.webhook_deliveries.list_by(endpoint_id=hook.id))
        for hook in (orders, shipped, everything)
    }
    assert by_endpoint == {
        orders.id: ["order.created", "order.shipped"],
        shipped.id: ["order.shipped"],
        everything.id: ["node.created", "order.created", "order.shipped"],
    }


def test_a_delivery_carries_the_events_body_its_id_position_and_ordering_key():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.fan_out(uow, [message(7, "order.shipped", "O-9")], T0)
    [d] = uow.webhook_deliveries.rows.values()
    body = json.loads(d.payload)
    assert body == {
        "id": "evt_7",
        "type": "order.shipped",
        "timestamp": "2026-12-01T09:00:00Z",
        "data": {"order_id": "O-9", "n": 7},
    }
    assert (d.endpoint_id, d.event_id, d.position, d.ordering_key) == (
        hook.id,
        "evt_7",
        7,
        "order:O-9",
    )
    assert (d.status, d.next_attempt_at, d.max_attempts) == ("pending", T0, MAX_ATTEMPTS)


def test_a_paused_endpoint_keeps_its_events_and_a_disabled_one_gets_none():
    uow = FakeUnitOfWork()
    paused, disabled = endpoint(uow), endpoint(uow)
    paused.status, disabled.status = EndpointStatus.PAUSED, EndpointStatus.DISABLED
    webhooks.fan_out(uow, [message(1)], T0)
    assert [d.endpoint_id for d in uow.webhook_deliveries.rows.values()] == [paused.id]


# ---------------------------------------------------------------- attempts


def test_a_2xx_answer_completes_the_delivery():
    uow = FakeUnitOfWork()
    endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    [d] = uow.webhook_deliveries.rows.values()
    attempt(uow, d, OK, T0)
    assert (d.status, d.attempts, d.completed_at, d.next_attempt_at) == ("succeeded", 1, T0, None)
    assert (d.last_status_code, d.last_response_ms, d.lease_token) == (204, 12, None)
    [a] = uow.webhook_attempts.rows.values()
    assert (a.number, a.status_code, a.attempted_at) == (1, 204, T0)


def test_failures_are_tried_again_on_the_schedule_then_given_up():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    [d] = uow.webhook_deliveries.rows.values()
    at, times = T0, [T0]
    for _ in range(MAX_ATTEMPTS):
        attempt(uow, d, SendResult(500, 4, "HTTP 500"), at)
        if d.next_attempt_at is not None:
            at = d.next_attempt_at
            times.append(at)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == list(RETRY_DELAYS)
    assert (d.status, d.attempts, d.next_attempt_at, d.last_status_code) == ("failed", 8, None, 500)
    assert hook.consecutive_failures == MAX_ATTEMPTS and hook.failing_since == T0
    assert hook.status is EndpointStatus.ACTIVE  # failing for ~27 h, not 5 days


def test_an_endpoint_failing_for_5_days_is_disabled_when_a_delivery_is_given_up():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    hook.failing_since = T0 - DISABLE_AFTER
    webhooks.fan_out(uow, [message(1)], T0)
    [d] = uow.webhook_deliveries.rows.values()
    d.attempts = MAX_ATTEMPTS - 1
    attempt(uow, d, DOWN, T0)
    assert d.status is DeliveryStatus.FAILED
    assert hook.status is EndpointStatus.DISABLED and "every attempt has failed" in str(
        hook.disabled_reason
    )


def test_when_an_endpoint_answers_again_its_waiting_retries_are_due_at_once():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.fan_out(uow, [message(1, order="O-1"), message(2, order="O-2")], T0)
    first, second = sorted(uow.webhook_deliveries.rows.values(), key=lambda d: d.position or 0)
    for _ in range(4):
        attempt(uow, first, DOWN, T0)
    assert first.next_attempt_at is not None and first.next_attempt_at > T0 + timedelta(hours=1)
    later = T0 + timedelta(minutes=1)
    attempt(uow, second, OK, later)
    assert first.next_attempt_at == later and hook.consecutive_failures == 0
    assert hook.failing_since is None


def test_an_attempt_whose_lease_was_taken_over_is_logged_but_decides_nothing():
    uow = FakeUnitOfWork()
    endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    [d] = uow.webhook_deliveries.rows.values()
    stale = claim_of(uow, d, "old")
    d.lease_token = "new"
    webhooks.record_attempt(uow, stale, OK, T0, NO_JITTER)
    assert d.status is DeliveryStatus.PENDING and d.lease_token == "new" and d.attempts == 0
    assert len(uow.webhook_attempts.rows) == 1


def test_an_attempt_for_a_deleted_endpoint_is_dropped():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    [d] = uow.webhook_deliveries.rows.values()
    c = claim_of(uow, d)
    webhooks.delete_endpoint(uow, hook.id)
    webhooks.record_attempt(uow, c, OK, T0, NO_JITTER)
    assert not uow.webhook_attempts.rows


# ---------------------------------------------------------------- test event, log and retry


def test_a_test_event_is_a_webhook_test_delivery_for_that_endpoint_only():
    uow = FakeUnitOfWork()
    hook, other = endpoint(uow), endpoint(uow)
    d = webhooks.send_test(uow, hook.id, now=T0)
    body = json.loads(d.payload)
    assert (d.endpoint_id, d.type, body["type"], body["id"]) == (
        hook.id,
        "webhook.test",
        "webhook.test",
        d.event_id,
    )
    assert d.next_attempt_at == T0 and d.position is None
    assert not uow.webhook_deliveries.list_by(endpoint_id=other.id)


def test_a_test_event_for_a_paused_endpoint_is_refused():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    hook.status = EndpointStatus.PAUSED
    with pytest.raises(ConflictError, match="is paused"):
        webhooks.send_test(uow, hook.id)


def test_the_delivery_log_is_newest_first_with_each_attempt():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    webhooks.fan_out(uow, [message(2)], T0 + timedelta(seconds=1))
    old = uow.webhook_deliveries.list_by(event_id="evt_1")[0]
    attempt(uow, old, DOWN, T0)
    attempt(uow, old, OK, T0 + timedelta(seconds=5))
    logs = webhooks.list_deliveries(uow, hook.id)
    assert [log.delivery.event_id for log in logs] == ["evt_2", "evt_1"]
    assert [(a.number, a.status_code) for a in logs[1].attempts] == [(1, None), (2, 204)]
    assert [lg.delivery.event_id for lg in webhooks.list_deliveries(uow, hook.id, "succeeded")] == [
        "evt_1"
    ]
    with pytest.raises(ValidationError, match="limit"):
        webhooks.list_deliveries(uow, hook.id, limit=0)


def test_a_failed_delivery_retried_gets_one_more_attempt_now():
    uow = FakeUnitOfWork()
    hook = endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    [d] = uow.webhook_deliveries.rows.values()
    d.status, d.attempts, d.completed_at = DeliveryStatus.FAILED, MAX_ATTEMPTS, T0
    later = T0 + timedelta(days=2)
    webhooks.retry_delivery(uow, hook.id, d.id, now=later)
    assert (d.status, d.next_attempt_at, d.max_attempts) == ("pending", later, MAX_ATTEMPTS + 1)
    attempt(uow, d, DOWN, later)
    assert d.status is DeliveryStatus.FAILED and d.attempts == MAX_ATTEMPTS + 1


def test_retrying_a_delivery_of_another_endpoint_is_not_found():
    uow = FakeUnitOfWork()
    hook, other = endpoint(uow), endpoint(uow)
    webhooks.fan_out(uow, [message(1)], T0)
    mine = uow.webhook_deliveries.list_by(endpoint_id=hook.id)[0]
    with pytest.raises(NotFoundError, match="of webhook endpoint"):
        webhooks.retry_delivery(uow, other.id, mine.id)
