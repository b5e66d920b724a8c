"""Following next_cursor returns every matching order exactly once, newest first, whatever
the filters and page size: the SQL search on SQLite against a plain Python filter of the same
rows (hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from oms.db.engine import make_engine, make_session_factory, migrate
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.orders.search import CHANNELS, METHODS, STATUSES, SearchParams, parse, search_orders
from tests.order_search_world import CUSTOMERS, NODES, SKUS, START, STORES, World, network, world
from tests.order_search_world import write as write_world

MADE = world(seed=11, count=150)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('search')) / 'oms.db'}"
    migrate(url)
    engine = make_engine(url)
    sf = make_session_factory(engine)
    network(sf)
    write_world(sf, MADE)
    yield sf
    engine.dispose()


def some(values: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=3)


def maybe(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.none() | st.sampled_from(values)


hours = st.none() | st.integers(0, 80).map(lambda h: (START + timedelta(hours=h)).isoformat())
params = st.builds(
    SearchParams,
    status=some(STATUSES),
    channel=some(CHANNELS),
    method=some(METHODS),
    customer_id=maybe(CUSTOMERS),
    email=maybe(("ANA@example.com", "cus_1@example.com")),
    node=maybe(NODES),
    sku=maybe(SKUS),
    created_after=hours,
    created_before=hours,
    q=maybe(("O-00", "O-01", "bo@example.org", "+33 6 12 34 56 78", "06 12 34 56 78")),
    limit=st.integers(1, 15),
)


def every_page(sf: sessionmaker[Session], given: SearchParams, store: str | None) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(200):
        with SqlUnitOfWork(sf, message_bus()) as uow:
            page = search_orders(uow, replace(given, cursor=cursor), store)
        assert len(page.orders) <= given.limit
        seen += [s.id for s in page.orders]
        if not page.has_more:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the pages never ended")


def plainly(made: World, given: SearchParams, store: str | None) -> list[str]:
    filters, _ = parse(given, store)
    return [s.id for s in made.search().page(filters, None, 10_000)]


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(given=params, store=maybe(STORES))
def test_pages_hold_every_matching_order_once_in_order(
    database: sessionmaker[Session], given: SearchParams, store: str | None
) -> None:
    assert every_page(database, given, store) == plainly(MADE, given, store)
