"""The returns desk's lookup: a customer at the counter names an order by its number, or gives
the e-mail or phone it was placed with. Any channel and any node (a web order shipped from the
DC comes back in store), unlike a store key's order search, which holds its own node's orders.

So the match is exact, never a prefix: the order with that number, or the orders with that
e-mail (any case) or phone (as typed, or its digits with the leading +). A store sees no more
than it needs to take the return: each order's status, channel, lines and returns; not the
customer's details, nor where it was sourced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from oms.domain.errors import ValidationError
from oms.domain.ports import Repository
from oms.orders.model import OrderLine
from oms.orders.search import (
    MAX_LIMIT,
    MAX_TEXT,
    OrderFilters,
    OrderSearch,
    OrderSummary,
    QueryTerm,
    ReturnRef,
    query_term,
)

DESK_LIMIT = MAX_LIMIT  # the newest orders of one e-mail or phone


class DeskSource(Protocol):
    @property
    def order_search(self) -> OrderSearch: ...

    @property
    def order_lines(self) -> Repository[OrderLine]: ...


@dataclass(frozen=True)
class DeskLine:
    line_id: str
    sku: str
    qty: int
    price_minor: int
    status: str


@dataclass(frozen=True)
class DeskOrder:
    id: str
    status: str
    channel: str
    method: str
    created_at: datetime
    currency: str
    total_minor: int
    lines: list[DeskLine]
    returns: tuple[ReturnRef, ...]


def desk_lookup(uow: DeskSource, q: str | None) -> list[DeskOrder]:
    """The orders ``q`` names exactly (an order number, an e-mail or a phone), newest first."""
    text = (q or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ValidationError([f"q: an order number, an e-mail or a phone ({MAX_TEXT} at most)"])
    term = query_term(text)
    if term.kind == "id_prefix":
        term = QueryTerm("id_prefix", tuple(dict.fromkeys((text, text.upper()))))
    rows = uow.order_search.page(OrderFilters(q=term), None, DESK_LIMIT)
    if term.kind == "id_prefix":
        rows = [r for r in rows if r.id in term.values]  # the number itself, not a prefix
    return [_desk_order(uow, r) for r in rows]


def _desk_order(uow: DeskSource, s: OrderSummary) -> DeskOrder:
    lines = uow.order_lines.list_by(order_id=s.id, order_by="line_no")
    return DeskOrder(
        id=s.id,
        status=s.status,
        channel=s.channel,
        method=s.method,
        created_at=s.created_at,
        currency=s.currency,
        total_minor=s.total_minor,
        lines=[DeskLine(ln.id, ln.sku_id, ln.qty, ln.price_minor, ln.status.value) for ln in lines],
        returns=s.returns,
    )
