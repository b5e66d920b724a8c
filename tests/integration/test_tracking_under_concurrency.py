"""A carrier that sends the same checkpoint several times at once (webhook retries racing each
other), on SQLite and PostgreSQL: the shipment keeps it once, no caller gets an error, and its
delivery happens once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.api.state import AppState
from oms.bootstrap import open_state
from oms.db.uow import SqlUnitOfWork
from oms.orders.tracking import TrackingStatus
from oms.stores.tracking import CarrierEvent, record_carrier_events
from tests.e2e.test_catalog_api import setup_stock

N = 8  # concurrent deliveries of the same checkpoint


@pytest.fixture
def state(migrated_db_url: str) -> Iterator[AppState]:
    app_state = open_state(migrated_db_url)
    try:
        yield app_state
    finally:
        app_state.engine.dispose()


def shipped(state: AppState) -> tuple[str, str]:
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    with TestClient(create_app(state)) as client:
        state.warm.wait(120)
        api = SimpleNamespace(client=client, ops={"X-API-Key": ops})
        setup_stock(api)
        cart = {"lines": [{"sku": "MUG", "qty": 1}], "destination": {"lat": 48.85, "lon": 2.35}}
        order = client.post("/v1/orders", json=cart, headers={"X-API-Key": checkout}).json()
        sid = order["shipments"][0]["id"]
        r = client.post(f"/v1/shipments/{sid}/ship", json={"tracking": "T1"}, headers=api.ops)
        assert r.status_code == 200, r.text
    return order["id"], sid


def test_the_same_checkpoint_sent_at_once_is_kept_once_and_delivers_once(state):
    order_id, sid = shipped(state)
    barrier = threading.Barrier(N)
    event = CarrierEvent("delivered", datetime.now(UTC), carrier_event_id="race-1")

    def send() -> int:
        barrier.wait(timeout=30)
        with SqlUnitOfWork(state.sessions, state.bus) as uow:
            return record_carrier_events(uow, sid, [event]).created

    with ThreadPoolExecutor(N) as pool:
        created = list(pool.map(lambda _: send(), range(N)))
    assert sorted(created) == [0] * (N - 1) + [1]
    with state.unit_of_work() as uow:
        entries = uow.tracking_events.list_by(shipment_id=sid)
        delivered = [e for e in entries if e.status is TrackingStatus.DELIVERED]
        assert [e.carrier_event_id for e in delivered] == ["race-1"]
        kinds = [e.type for e in uow.events.history("order", order_id)]
        assert kinds.count("Delivered") == 1 and kinds.count("ShipmentTracked") == 1
        assert uow.orders.get(order_id).status == "delivered"
