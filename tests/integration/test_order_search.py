"""Order search on SQLite and PostgreSQL: every filter, alone and together, store scoping, and
keyset pages while orders are being placed, each checked against the plain Python search over
the same rows (tests/fakes/order_search.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from oms.db.repositories import order_search
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.orders.search import (
    Cursor,
    OrderFilters,
    OrderPage,
    SearchParams,
    decode_cursor,
    parse,
    read_page,
)
from tests.order_search_world import START, World, network, world, write

CASES: dict[str, tuple[SearchParams, str | None]] = {
    "nothing": (SearchParams(), None),
    "one status": (SearchParams(status=["cancelled"]), None),
    "two statuses": (SearchParams(status=["created,shipped"]), None),
    "a channel": (SearchParams(channel=["marketplace"]), None),
    "a method": (SearchParams(method=["pickup"]), None),
    "a customer": (SearchParams(customer_id="cus_2"), None),
    "an e-mail in any case": (SearchParams(email="Ana@Example.COM"), None),
    "a node": (SearchParams(node="ST-B"), None),
    "the warehouse": (SearchParams(node="DC-1"), None),
    "a sku": (SearchParams(sku="S3"), None),
    "a window": (
        SearchParams(
            created_after=(START + timedelta(hours=10)).isoformat(),
            created_before=(START + timedelta(hours=30)).isoformat(),
        ),
        None,
    ),
    "an order id prefix": (SearchParams(q="O-01"), None),
    "an e-mail as q": (SearchParams(q="BO@example.org"), None),
    "a phone as people write it": (SearchParams(q="+33 6 12 34 56 78"), None),
    "a phone without its country": (SearchParams(q="06.12.34.56.78"), None),
    "a store key": (SearchParams(), "ST-A"),
    "a store key and a status": (SearchParams(status=["allocated", "picking"]), "ST-C"),
    "everything at once": (
        SearchParams(channel=["web", "app"], node="DC-1", sku="S1", method=["ship"]),
        None,
    ),
}


@pytest.fixture
def stocked(session_factory: sessionmaker[Session]) -> World:
    network(session_factory)
    made = world(seed=7, count=180)
    write(session_factory, made)
    return made


Reader = Callable[[OrderFilters, Cursor | None, int], OrderPage]


def sql_pages(sf: sessionmaker[Session], filters: OrderFilters, limit: int) -> list[list[str]]:
    """Every page, following next_cursor, each read in its own transaction."""

    def read(f: OrderFilters, after: Cursor | None, n: int) -> OrderPage:
        with SqlUnitOfWork(sf, message_bus()) as uow:
            return read_page(uow.order_search, f, after, n)

    return walk(read, filters, limit)


def walk(read: Reader, filters: OrderFilters, limit: int) -> list[list[str]]:
    pages, after = [], None
    for _ in range(1_000):
        page = read(filters, after, limit)
        pages.append([s.id for s in page.orders])
        if not page.has_more:
            assert page.next_cursor is None
            return pages
        assert page.next_cursor is not None
        after = decode_cursor(page.next_cursor)
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("shape", ["few", "many"])
def test_each_filter_pages_through_exactly_what_the_plain_search_finds(
    shape: str,
    session_factory: sessionmaker[Session],
    stocked: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both shapes of the node, SKU and store conditions (oms/db/repositories/order_search.py):
    the world's nodes and SKUs are on few rows; FEW = 0 makes them many."""
    if shape == "many":
        monkeypatch.setattr(order_search, "FEW", 0)
    for case, (params, store) in CASES.items():
        filters, _ = parse(params, store)
        expected = [s.id for s in stocked.search().page(filters, None, 10_000)]
        assert expected, f"{case}: the world has no such order, the case proves nothing"
        if case != "nothing":
            assert len(expected) < len(stocked.orders), f"{case}: the filter filters nothing"
        pages = sql_pages(session_factory, filters, limit=7)
        assert [oid for page in pages for oid in page] == expected, case
        assert all(len(page) == 7 for page in pages[:-1]), case


def test_a_page_summarises_each_order_as_the_plain_search_does(
    session_factory: sessionmaker[Session], stocked: World
) -> None:
    filters, _ = parse(SearchParams(), None)
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        found = uow.order_search.page(filters, None, 60)
    assert found == stocked.search().page(filters, None, 60)
    assert any(s.returns for s in found) and any(len(s.nodes) > 1 for s in found)


def test_orders_placed_between_pages_never_show_on_later_pages(
    session_factory: sessionmaker[Session], stocked: World
) -> None:
    filters, _ = parse(SearchParams(), None)
    before = [s.id for s in stocked.search().page(filters, None, 10_000)]
    seen: list[str] = []
    after = None
    newest = max(o.created_at for o in stocked.orders)
    for k in range(1_000):
        with SqlUnitOfWork(session_factory, message_bus()) as uow:
            page = read_page(uow.order_search, filters, after, 25)
        seen += [s.id for s in page.orders]
        # Others place orders while the client reads: some at the very instant of the newest.
        write(session_factory, world(seed=100 + k, count=3, first=5_000 + 3 * k, start=newest))
        if not page.has_more:
            break
        after = decode_cursor(page.next_cursor or "")
    assert seen == before
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        fresh = read_page(uow.order_search, filters, None, 100)
    newer = [s.id for s in fresh.orders if s.id not in before]
    assert newer and fresh.orders[0].id in newer


def test_a_store_key_sees_orders_it_picks_up_or_supplies_and_no_other(
    session_factory: sessionmaker[Session], stocked: World
) -> None:
    filters, _ = parse(SearchParams(), "ST-B")
    ids = [oid for page in sql_pages(session_factory, filters, 50) for oid in page]
    lines = {ln.id: ln.order_id for ln in stocked.lines}
    supplied = {lines[a.order_line_id] for a in stocked.allocations if a.node_id == "ST-B"}
    picked_up = {o.id for o in stocked.orders if o.pickup_node == "ST-B"}
    assert set(ids) == supplied | picked_up
    assert supplied - picked_up and picked_up - supplied  # both ways of involving it


def test_only_customers_that_exist_are_found(
    session_factory: sessionmaker[Session], stocked: World
) -> None:
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        assert uow.order_search.customer_exists("cus_1")
        assert not uow.order_search.customer_exists("cus_404")


def test_an_id_prefix_is_matched_with_its_case_and_its_wildcards_literally(
    session_factory: sessionmaker[Session], stocked: World
) -> None:
    for q, expected in (("o-01", []), ("O-0_", []), ("O-%", [])):
        filters, _ = parse(SearchParams(q=q), None)
        assert sql_pages(session_factory, filters, 10) == [expected], q
