"""The live KPIs' reads and writes on SQLite and PostgreSQL: the same shop as the e2e test gives
the same figures on both, promise tallies from several writers add up, and an ops key's page
session (no store) is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from oms.access import sessions
from oms.access.keys import authenticate, create_key
from oms.access.model import ApiRole
from oms.api.app import create_app
from oms.bootstrap import open_state
from oms.kpis.ports import PromiseTally
from tests.e2e.conftest import Api
from tests.e2e.test_live_kpis import period
from tests.e2e.test_live_kpis import shop as shop_fixture

shop = shop_fixture
HOUR = datetime(2026, 9, 1, 10, tzinfo=UTC)


@pytest.fixture
def api(migrated_db_url: str) -> Iterator[Api]:
    state = open_state(migrated_db_url)
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    with TestClient(create_app(state)) as client:
        state.warm.wait(120)
        yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})


def test_the_shops_kpis_are_the_same_on_both_databases(api, shop):
    k = api.client.get("/v1/kpis", params=period(), headers=api.ops).json()
    got = {
        key: (k[key]["numerator"], k[key]["denominator"])
        for key in ("omnichannel_share", "order_error_rate", "on_time_rate", "availability_rate")
    }
    assert got == {
        "omnichannel_share": (4, 5),
        "order_error_rate": (2, 5),
        "on_time_rate": (3, 4),
        "availability_rate": (3, 4),
    }
    assert k["processing_hours"]["count"] == 3


def test_promise_tallies_of_several_writers_add_up(api):
    for lines, available in ((4, 3), (2, 2)):
        with api.state.unit_of_work() as uow:
            uow.kpis.add_promise_tallies([PromiseTally(HOUR, lines, available)])
            uow.commit()
    with api.state.unit_of_work() as uow:
        assert uow.kpis.promise_tallies(HOUR, HOUR.replace(hour=11)) == [PromiseTally(HOUR, 6, 5)]


def test_an_ops_session_has_no_store(api):
    with api.state.unit_of_work() as uow:
        who = authenticate(uow, create_key(uow, "ops"))
        token, _ = sessions.sign_in(uow, who, 60, role=ApiRole.OPS)
    with api.state.unit_of_work() as uow:
        signed_in = sessions.check_session(uow, token, role=ApiRole.OPS)
        assert signed_in.node_id is None and signed_in.principal.role is ApiRole.OPS
        with pytest.raises(sessions.SessionRefused, match="not for the store pages"):
            sessions.check_session(uow, token)
