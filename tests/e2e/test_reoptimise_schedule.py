"""OMS_REOPTIMISE_EVERY_MINUTES: the app re-optimises open orders in the background."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.bootstrap import open_state
from oms.config import get_settings
from oms.orders.model import ShipmentStatus
from tests.db_templates import migrated_sqlite
from tests.e2e.conftest import Api
from tests.e2e.stores_fixture import build

DIJON = {"lat": 47.32, "lon": 5.04}


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("OMS_REOPTIMISE_EVERY_MINUTES", "0.005")  # every 0.3 s
    monkeypatch.setenv("OMS_REOPTIMISE_TIME_LIMIT_S", "1")
    get_settings.cache_clear()
    state = open_state(migrated_sqlite(tmp_path / "oms.db"), run_migrations=False)
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    try:
        with TestClient(create_app(state)) as client:
            state.warm.wait(120)
            yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})
    finally:
        get_settings.cache_clear()
        state.engine.dispose()


def nodes_of(api: Api, order_id: str) -> list[str]:
    with api.state.unit_of_work() as uow:
        return sorted(
            s.node_id
            for s in uow.shipments.list_by(order_id=order_id)
            if s.status is not ShipmentStatus.CANCELLED
        )


def test_the_scheduled_run_undoes_a_bad_sequence_in_the_background(api: Api) -> None:
    stores = build(api, dc_stock=10, store_stock=1)
    api.client.put("/v1/inventory/DC-LYON/TEA", json={"on_hand": 0}, headers=api.ops)
    stores.order([("MUG", 1)], destination=DIJON)
    second = stores.order([("MUG", 1), ("TEA", 1)])["id"]
    with api.state.unit_of_work() as uow:  # a month to deliver: no node breaks the promise
        for s in uow.shipments.list_by():
            s.promised_at = datetime.now(UTC) + timedelta(days=30)
        uow.commit()
    deadline = time.monotonic() + 60
    while nodes_of(api, second) != ["ST-PARIS-1"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert nodes_of(api, second) == ["ST-PARIS-1"]
