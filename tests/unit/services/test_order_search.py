"""The order search's rules without a database: parameters checked and named, what q stands
for, the cursor, and the service on the fake unit of work."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from oms.customers.model import Customer
from oms.domain.errors import NotFoundError, ValidationError
from oms.orders.search import (
    Cursor,
    SearchParams,
    customer_orders,
    decode_cursor,
    encode_cursor,
    parse,
    query_term,
    search_orders,
)
from tests.fakes.uow import FakeUnitOfWork
from tests.order_search_world import world


def problems(params: SearchParams) -> list[str]:
    with pytest.raises(ValidationError) as raised:
        parse(params, None)
    return raised.value.problems


def test_every_bad_parameter_is_named_at_once() -> None:
    found = problems(
        SearchParams(
            status=["shipped,lost"],
            channel=["fax"],
            method=["drone"],
            limit=0,
            cursor="????",
            created_after="2026-01-01T00:00",
            created_before="soon",
            email="a\x00@b",
        )
    )
    named = [p.split(":")[0] for p in found]
    assert named == ["status", "channel", "method", "email", "created_after", "created_before",
                     "limit", "cursor"]  # fmt: skip
    assert "'lost'" in found[0] and "ready_for_pickup" in found[0]
    early = problems(SearchParams(created_after="0001-01-01T00:00:00+01:00"))
    assert early == ["created_after: out of range"]


def test_lists_take_repeats_and_commas_and_the_email_any_case() -> None:
    filters, cursor = parse(
        SearchParams(status=["created, shipped", "created"], email=" Ana@Example.COM "), "ST-1"
    )
    assert filters.statuses == ("created", "shipped") and cursor is None
    assert filters.email == "ana@example.com" and filters.store == "ST-1"


def test_q_is_an_email_a_phone_or_an_order_id_prefix() -> None:
    assert query_term("Ana@Example.com").values == ("ana@example.com",)
    phone = query_term("+33 (0)6 12-34.56.78")
    assert phone.kind == "phone" and phone.values == ("+330612345678", "+33 (0)6 12-34.56.78")
    assert query_term("0612345678").values == ("0612345678",)
    assert query_term("O-3F").kind == "id_prefix" and query_term("12345").kind == "id_prefix"


def test_a_cursor_gives_back_its_row_and_nothing_else_is_one() -> None:
    row = Cursor(datetime(2026, 12, 1, 9, 30, 0, 123456, tzinfo=UTC), "O-ABC|1")
    assert decode_cursor(encode_cursor(row)) == row
    naive = base64.urlsafe_b64encode(b"o1|2026-12-01T09:30:00|O-1").decode()
    other = base64.urlsafe_b64encode(b"v1:42").decode()
    for text in ("", "abc", "%%%", naive, other):
        assert decode_cursor(text) is None, text


def test_pages_follow_one_another_on_the_fake_unit_of_work() -> None:
    uow = FakeUnitOfWork()
    made = world(seed=3, count=30)
    uow.orders.add_all_now(made.orders)
    uow.order_lines.add_all_now(made.lines)
    seen: list[str] = []
    cursor = None
    while True:
        page = search_orders(uow, SearchParams(limit=4, cursor=cursor), None)
        seen += [s.id for s in page.orders]
        if not page.has_more:
            break
        cursor = page.next_cursor
    newest_first = sorted(made.orders, key=lambda o: (o.created_at, o.id), reverse=True)
    assert seen == [o.id for o in newest_first]


def test_the_orders_of_an_unknown_customer_are_not_found_and_of_another_are_none() -> None:
    uow = FakeUnitOfWork()
    made = world(seed=4, count=20)
    uow.orders.add_all_now(made.orders)
    with pytest.raises(NotFoundError, match="cus_9"):
        customer_orders(uow, "cus_9", SearchParams(), None)
    uow.customers.add(Customer(id="cus_1", email="one@example.com"))
    mine = customer_orders(uow, "cus_1", SearchParams(), None).orders
    assert mine and {s.customer_id for s in mine} == {"cus_1"}
    other = customer_orders(uow, "cus_1", SearchParams(customer_id="cus_2"), None)
    assert other.orders == [] and not other.has_more
