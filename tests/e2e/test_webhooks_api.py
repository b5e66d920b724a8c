"""/v1/webhooks through the app: register (the secret shown once), list and read (never the
secret), pause/resume/change, delete, the test event arriving signed at a real receiver, the
delivery log with its attempts, and a retry of a failed delivery."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.bootstrap import open_state
from oms.config import get_settings
from oms.db.webhook_dispatch import SqlDeliveryStore
from oms.domain.events import utcnow
from oms.integrations.dispatcher import Dispatcher
from oms.integrations.webhooks_http import HttpSender
from oms.integrations.webhooks_schedule import MAX_ATTEMPTS
from tests.db_templates import migrated_sqlite
from tests.e2e.conftest import Api
from tests.webhook_receiver import Receiver


def _api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dispatcher: str) -> Iterator[Api]:
    monkeypatch.setenv("OMS_WEBHOOKS_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("OMS_DISPATCHER", dispatcher)
    get_settings.cache_clear()
    state = open_state(migrated_sqlite(tmp_path / "oms.db"), run_migrations=False)
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    try:
        with TestClient(create_app(state)) as client:
            yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})
    finally:
        get_settings.cache_clear()


@pytest.fixture
def hooks_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The app without its dispatcher thread: the tests tick one in virtual time."""
    yield from _api(tmp_path, monkeypatch, "off")


def ticker(api: Api) -> Dispatcher:
    store = SqlDeliveryStore(api.state.sessions, api.state.readers)
    return Dispatcher(store, HttpSender(2.0, allow_private=True))


def register(api: Api, receiver: Receiver, events: list[str] | None = None) -> dict:
    body = {"url": receiver.url(), "events": events or ["order.*"], "description": "shop"}
    r = api.client.post("/v1/webhooks", json=body, headers=api.ops)
    assert r.status_code == 201, r.text
    receiver.secrets["/hook"] = r.json()["secret"]
    return r.json()


def test_the_secret_is_shown_when_created_and_never_again(hooks_api, receiver):
    api = hooks_api
    made = register(api, receiver)
    assert made["secret"].startswith("whsec_") and made["id"].startswith("we_")
    assert (made["status"], made["events"], made["description"]) == ("active", ["order.*"], "shop")
    listed = api.client.get("/v1/webhooks", headers=api.ops).json()
    one = api.client.get(f"/v1/webhooks/{made['id']}", headers=api.ops).json()
    assert [h["id"] for h in listed] == [made["id"]]
    assert "secret" not in listed[0] and "secret" not in one and made["secret"] not in str(listed)
    rotated = api.client.post(f"/v1/webhooks/{made['id']}/rotate-secret", headers=api.ops).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]


def test_only_ops_keys_manage_webhooks(hooks_api, receiver):
    api = hooks_api
    body = {"url": receiver.url(), "events": ["*"]}
    assert api.client.post("/v1/webhooks", json=body, headers=api.checkout).status_code == 403
    assert api.client.get("/v1/webhooks").status_code == 401


def test_a_bad_registration_names_each_field_and_stores_nothing(hooks_api):
    api = hooks_api
    body = {"url": "ftp://example.com", "events": ["order.*", "nope"]}
    r = api.client.post("/v1/webhooks", json=body, headers=api.ops)
    assert r.status_code == 422 and r.json()["error"] == "invalid_input"
    assert [f.split(":")[0] for f in r.json()["fields"]] == ["url", "events"]
    r = api.client.post("/v1/webhooks", json={"url": "https://x.example"}, headers=api.ops)
    assert r.status_code == 422 and "events" in r.json()["detail"]
    assert api.client.get("/v1/webhooks", headers=api.ops).json() == []


def test_an_endpoint_is_paused_resumed_changed_and_deleted(hooks_api, receiver):
    api = hooks_api
    hook = register(api, receiver)
    path = f"/v1/webhooks/{hook['id']}"
    r = api.client.patch(path, json={"status": "paused"}, headers=api.ops)
    assert r.status_code == 200 and r.json()["status"] == "paused"
    assert api.client.post(f"{path}/test", headers=api.ops).status_code == 409
    change = {"status": "active", "events": ["order.shipped"], "description": None}
    r = api.client.patch(path, json=change, headers=api.ops)
    assert (r.json()["status"], r.json()["events"], r.json()["description"]) == (
        "active",
        ["order.shipped"],
        None,
    )
    r = api.client.patch(path, json={"status": "disabled"}, headers=api.ops)
    assert r.status_code == 422 and "status" in r.json()["detail"]
    assert api.client.delete(path, headers=api.ops).json()["id"] == hook["id"]
    assert api.client.get(path, headers=api.ops).status_code == 404
    assert api.client.delete(path, headers=api.ops).status_code == 404


def test_the_test_event_arrives_signed_and_is_in_the_delivery_log(hooks_api, receiver):
    api = hooks_api
    hook = register(api, receiver)
    r = api.client.post(f"/v1/webhooks/{hook['id']}/test", headers=api.ops)
    assert r.status_code == 202 and r.json()["type"] == "webhook.test"
    assert r.json()["status"] == "pending" and r.json()["attempts"] == []
    ticker(api).tick(wait_for_sends=True)
    [got] = receiver.delivered()
    assert not receiver.forged
    assert (got.webhook_id, got.body["type"]) == (r.json()["event_id"], "webhook.test")
    assert got.body["data"]["endpoint_id"] == hook["id"]
    [log] = api.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=api.ops).json()
    assert (log["status"], log["attempt_count"], log["last_status_code"]) == ("succeeded", 1, 200)
    [attempt] = log["attempts"]
    assert attempt["number"] == 1 and attempt["status_code"] == 200
    assert attempt["response_ms"] >= 0 and attempt["error"] is None


def test_a_failed_delivery_is_logged_with_every_attempt_and_retried_on_request(hooks_api, receiver):
    api = hooks_api
    receiver.status = 500
    hook = register(api, receiver)
    api.client.post(f"/v1/webhooks/{hook['id']}/test", headers=api.ops)
    d, at, log_path = ticker(api), utcnow(), f"/v1/webhooks/{hook['id']}/deliveries"
    for _ in range(MAX_ATTEMPTS):
        d.tick(now=at, wait_for_sends=True)
        [log] = api.client.get(log_path, headers=api.ops).json()
        at += timedelta(hours=12)  # past any next attempt (and < 5 days in all: not disabled)
    assert (log["status"], log["attempt_count"], log["next_attempt_at"]) == ("failed", 8, None)
    assert [a["status_code"] for a in log["attempts"]] == [500] * MAX_ATTEMPTS
    assert api.client.get(f"{log_path}?status=failed", headers=api.ops).json()[0]["id"] == log["id"]
    assert api.client.get(f"{log_path}?status=succeeded", headers=api.ops).json() == []
    receiver.status = 200
    r = api.client.post(f"{log_path}/{log['id']}/retry", headers=api.ops)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    d.tick(now=at, wait_for_sends=True)
    [log] = api.client.get(log_path, headers=api.ops).json()
    assert (log["status"], log["attempt_count"]) == ("succeeded", 9)
    assert len({r.webhook_id for r in receiver.received}) == 1 and not receiver.forged
    assert api.client.post(f"{log_path}/wd_nope/retry", headers=api.ops).status_code == 404
    assert api.client.get(f"{log_path}?limit=0", headers=api.ops).status_code == 422


def test_the_served_app_dispatches_by_itself(tmp_path, monkeypatch, receiver):
    for api in _api(tmp_path, monkeypatch, "on"):
        hook = register(api, receiver)
        api.client.post(f"/v1/webhooks/{hook['id']}/test", headers=api.ops)
        deadline = time.monotonic() + 20
        while not receiver.delivered() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(receiver.delivered()) == 1 and not receiver.forged
