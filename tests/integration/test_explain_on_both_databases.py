"""Explain on SQLite and PostgreSQL: a cart's explanation is the plan the promise offers and the
order then gets; right after placing it (one node, or split over two) the order's explanation
agrees with its allocations; the ledger's held units are given back, not double counted."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.bootstrap import open_state
from tests.e2e.stores_fixture import PARIS, build


@pytest.fixture
def api(migrated_db_url: str) -> Iterator[SimpleNamespace]:
    state = open_state(migrated_db_url)
    try:
        with state.unit_of_work() as uow:
            ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
        with TestClient(create_app(state)) as client:
            state.warm.wait(120)
            yield SimpleNamespace(
                client=client, state=state, ops={"X-API-Key": ops}, checkout={"X-API-Key": checkout}
            )
    finally:
        state.engine.dispose()


@pytest.mark.parametrize("mugs", [2, 5], ids=["one-node", "split"])
def test_explain_agrees_with_the_promise_and_the_placed_order(api, mugs):
    stores = build(api, dc_stock=2)  # ST-PARIS-1 holds 3 mugs, Lyon 2: 5 are split
    cart = {"lines": [{"sku": "MUG", "qty": mugs}], "destination": PARIS}
    why = api.client.post("/v1/sourcing/explain", json=cart, headers=api.checkout).json()
    options = api.client.post("/v1/promise", json=cart, headers=api.checkout).json()["options"]
    standard = next(o for o in options if o["id"] == "standard")
    explained = {(a["node"], a["qty"]) for a in why["allocations"]}
    assert explained == {(a["node"], a["qty"]) for a in standard["allocations"]}
    order = stores.order([("MUG", mugs)])
    placed = {(a["node"], a["qty"]) for ln in order["lines"] for a in ln["allocations"]}
    assert placed == explained and len(why["nodes"]) == (1 if mugs <= 3 else 2)
    after = api.client.get(f"/v1/orders/{order['id']}/explain", headers=api.ops).json()
    assert after["agrees"] is True
    assert {(a["node"], a["qty"]) for a in after["now"]["allocations"]} == placed
    assert after["now"]["cost"]["total"] == pytest.approx(why["cost"]["total"], abs=1e-6)
