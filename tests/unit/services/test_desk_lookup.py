"""The returns desk's lookup on the fake unit of work: exact number, e-mail or phone, any node;
never a prefix."""

from __future__ import annotations

import pytest

from oms.domain.errors import ValidationError
from oms.orders.desk_lookup import desk_lookup
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, Order, OrderLine, OrderLineStatus
from tests.fakes.uow import FakeUnitOfWork


def desk_world() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    for oid, email, phone in (
        ("O-AB1", "ana@example.com", "+33612345678"),
        ("O-AB12", "ana@example.com", None),
        ("O-CD3", "bo@example.org", "0698765432"),
    ):
        uow.orders.add(
            Order(id=oid, status=OrderStatus.DELIVERED, channel="web",
                  method=DeliveryMethod.SHIP, currency="EUR", email=email, phone=phone)
        )  # fmt: skip
        uow.order_lines.add(
            OrderLine(id=f"{oid}-1", order_id=oid, line_no=1, sku_id="MUG", qty=2,
                      price_minor=1299, status=OrderLineStatus.SHIPPED)
        )  # fmt: skip
    return uow


def ids(uow: FakeUnitOfWork, q: str) -> list[str]:
    return sorted(o.id for o in desk_lookup(uow, q))


def test_the_number_matches_exactly_and_a_prefix_matches_nothing() -> None:
    uow = desk_world()
    assert ids(uow, "O-AB1") == ["O-AB1"]  # not O-AB12, which it begins
    assert ids(uow, " o-cd3 ") == ["O-CD3"]  # typed in lower case
    assert ids(uow, "O-AB") == []


def test_an_email_or_a_phone_finds_every_order_placed_with_it() -> None:
    uow = desk_world()
    assert ids(uow, "ANA@example.com") == ["O-AB1", "O-AB12"]
    assert ids(uow, "06 98 76 54 32") == ["O-CD3"]
    [o] = desk_lookup(uow, "+33 6 12 34 56 78")
    assert [(ln.line_id, ln.sku, ln.qty) for ln in o.lines] == [("O-AB1-1", "MUG", 2)]


def test_an_empty_query_is_refused() -> None:
    with pytest.raises(ValidationError):
        desk_lookup(desk_world(), "  ")
