"""The look-ahead policy through HTTP (OMS_SOURCING_POLICY=lookahead): a refresh prices the
Paris store's scarce mugs from last week's orders, GET /v1/sourcing/policy shows it, and the
promise then ships a 3-mug cart from Lyon where the online policy takes the store's three."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.bootstrap import open_state
from oms.config import get_settings
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, Order, OrderLine, OrderLineStatus
from oms.promise.lookahead_refresh import refresh_once
from tests.e2e.conftest import Api
from tests.e2e.stores_fixture import store
from tests.e2e.test_catalog_api import NODE

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))  # a Wednesday morning
PARIS = {"lat": 48.86, "lon": 2.35}
CART = {"lines": [{"sku": "MUG", "qty": 3}], "destination": PARIS}
POLICY = "/v1/sourcing/policy"


@pytest.fixture
def lookahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """The app with OMS_SOURCING_POLICY=lookahead, once its refresh at start has run (on an
    empty database: it prices nothing), so that it never overwrites the test's."""
    monkeypatch.setenv("OMS_SOURCING_POLICY", "lookahead")
    monkeypatch.setenv("OMS_LOOKAHEAD_WEEKS", "1")
    get_settings.cache_clear()
    try:
        state = open_state(f"sqlite:///{tmp_path / 'oms.db'}")
        with state.unit_of_work() as uow:
            ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
        with TestClient(create_app(state)) as client:
            state.warm.wait(120)
            board = state.networks.board
            deadline = time.monotonic() + 60
            while board.current.computed_at is None and board.last_error is None:
                assert time.monotonic() < deadline, "no refresh at start"
                time.sleep(0.05)
            yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})
    finally:
        get_settings.cache_clear()


def network(api: Api) -> None:
    for node in (NODE, store("ST-PARIS-1", **PARIS)):
        assert api.client.post("/v1/nodes", json=node, headers=api.ops).status_code == 201
    api.client.put("/v1/skus/MUG", json={"name": "Mug", "price_minor": 1299}, headers=api.ops)
    for node, qty in (("DC-LYON", 10), ("ST-PARIS-1", 3)):
        api.client.put(f"/v1/inventory/{node}/MUG", json={"on_hand": qty}, headers=api.ops)


def last_weeks_orders(api: Api) -> None:
    """Five orders of two mugs to Paris, last Wednesday afternoon."""
    at = NOW - timedelta(weeks=1) + timedelta(hours=7)
    with api.state.unit_of_work() as uow:
        for k in range(5):
            oid = f"O-PAST-{k}"
            uow.orders.add(
                Order(
                    id=oid,
                    status=OrderStatus.DELIVERED,
                    channel="web",
                    method=DeliveryMethod.SHIP,
                    currency="EUR",
                    dest_lat=PARIS["lat"],
                    dest_lon=PARIS["lon"],
                    created_at=at,
                )
            )
            uow.session.flush()
            uow.order_lines.add(
                OrderLine(
                    id=f"{oid}-1",
                    order_id=oid,
                    line_no=0,
                    sku_id="MUG",
                    qty=2,
                    price_minor=1299,
                    status=OrderLineStatus.SHIPPED,
                )
            )
        uow.commit()


def shipped_from(api: Api) -> set[str]:
    r = api.client.post("/v1/promise", json=CART, headers=api.checkout)
    assert r.status_code == 200, r.text
    standard = next(o for o in r.json()["options"] if o["id"] == "standard")
    return {a["node"] for a in standard["allocations"]}


def test_the_policy_route_says_lookahead_and_no_prices_before_any_history(lookahead):
    r = lookahead.client.get(POLICY, headers=lookahead.ops)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["policy"] == "lookahead" and body["priced_pairs"] == 0
    assert body["top_prices"] == [] and body["forecast_units"] == 0.0


def test_a_refresh_prices_the_near_store_and_the_promise_ships_from_lyon(lookahead):
    network(lookahead)
    assert shipped_from(lookahead) == {"ST-PARIS-1"}  # no prices yet: online's choice
    last_weeks_orders(lookahead)
    refresh_once(lookahead.state.read_uow, lookahead.state.networks, weeks=1, now=NOW)
    body = lookahead.client.get(POLICY, headers=lookahead.ops).json()
    assert body["computed_at"] == NOW.isoformat() and body["history_orders"] == 5
    assert body["forecast_units"] == pytest.approx(10.0) and body["priced_pairs"] >= 1
    assert body["elapsed_s"] >= 0 and body["optimal"] is True and body["last_error"] is None
    top = body["top_prices"][0]
    assert (top["sku"], top["node"]) == ("MUG", "ST-PARIS-1") and top["price"] > 0
    assert shipped_from(lookahead) == {"DC-LYON"}


def test_the_online_policy_serves_the_route_too_and_only_ops_keys_read_it(api):
    assert api.client.get(POLICY, headers=api.ops).json()["policy"] == "online"
    assert api.client.get(POLICY, headers=api.checkout).status_code == 403
    assert api.client.get(POLICY).status_code == 401


def test_the_route_is_documented_with_its_errors(api):
    op = api.client.get("/openapi.json").json()["paths"][POLICY]["get"]
    assert {"200", "401", "403"} <= set(op["responses"])
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/SourcingPolicyOut")


def test_an_unknown_policy_refuses_to_start_naming_the_variable(monkeypatch):
    monkeypatch.setenv("OMS_SOURCING_POLICY", "lookahed")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="OMS_SOURCING_POLICY must be online or lookahead"):
            get_settings()
    finally:
        get_settings.cache_clear()
