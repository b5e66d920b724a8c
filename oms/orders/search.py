"""Order search (``GET /v1/orders``) and a customer's orders (``GET /v1/customers/{id}/orders``):
the filters as given, checked and normalised, the page cursor, and the port the query runs on.

Orders come newest first, by (created_at, id) descending. A page is the rows strictly after the
cursor's (created_at, id) in that order (keyset pagination): an order created while a client
pages through a listing is newer than every row it has seen, so it never shows on a later page
and never shifts one; no order is seen twice. A store key's listing holds only the orders that
involve its node (an allocation there, or it is the pickup store), inside the query, so its
pages are as full as anyone's.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Literal, Protocol

from oms.domain.errors import NotFoundError, ValidationError
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod

CHANNELS = ("web", "app", "store", "marketplace")
STATUSES = tuple(s.value for s in OrderStatus)
METHODS = tuple(m.value for m in DeliveryMethod)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_TEXT = 254  # the longest e-mail a column holds; longer filters match nothing anyway
_CURSOR_PREFIX = "o1|"
# A phone as people write it: digits, an optional leading +, spaces, dots, dashes, brackets.
_PHONE = re.compile(r"^\+?[\d\s().-]+$")
_MIN_PHONE_DIGITS = 6  # fewer digits is an order id prefix rather than a phone
_NOT_PRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SearchParams:
    """The query string as received (strings; repeated or comma-separated lists)."""

    status: Sequence[str] = ()
    channel: Sequence[str] = ()
    method: Sequence[str] = ()
    customer_id: str | None = None
    email: str | None = None
    node: str | None = None
    sku: str | None = None
    created_after: str | None = None
    created_before: str | None = None
    q: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class QueryTerm:
    """What ``q`` stands for: an order id prefix, an e-mail (lower case) or a phone (each form
    it may be stored in: as typed, and digits with the leading +)."""

    kind: Literal["id_prefix", "email", "phone"]
    values: tuple[str, ...]


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts strictly after it."""

    created_at: datetime
    order_id: str


@dataclass(frozen=True)
class OrderFilters:
    """Every condition an order must meet (all of them). Empty tuples and None: no condition.
    ``store``: a store key's node; only orders involving it."""

    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    customer_id: str | None = None
    email: str | None = None
    node: str | None = None
    sku: str | None = None
    created_after: datetime | None = None  # inclusive
    created_before: datetime | None = None  # exclusive
    q: QueryTerm | None = None
    store: str | None = None


@dataclass(frozen=True)
class ReturnRef:
    id: str
    status: str


@dataclass(frozen=True)
class OrderSummary:
    id: str
    status: str
    channel: str
    method: str
    service: str
    created_at: datetime
    customer_id: str | None
    email: str | None
    pickup_node: str | None
    currency: str
    lines: int
    units: int
    total_minor: int  # the lines' price x quantity
    nodes: tuple[str, ...]  # every node involved: allocations' nodes and the pickup store
    returns: tuple[ReturnRef, ...] = field(default=())


@dataclass(frozen=True)
class OrderPage:
    orders: list[OrderSummary]
    next_cursor: str | None
    has_more: bool


class OrderSearch(Protocol):
    """The query side: implemented in SQL (oms/db/repositories/order_search.py) and in memory
    (tests/fakes/order_search.py)."""

    def page(self, filters: OrderFilters, after: Cursor | None, limit: int) -> list[OrderSummary]:
        """Up to ``limit`` matching orders after ``after``, newest first, with their returns."""
        ...

    def customer_exists(self, customer_id: str) -> bool: ...


class SearchSource(Protocol):
    @property
    def order_search(self) -> OrderSearch: ...


# ------------------------------------------------------------------ service


def search_orders(uow: SearchSource, params: SearchParams, store: str | None) -> OrderPage:
    """A page of the orders matching ``params`` (a store key: ``store`` is its node)."""
    filters, after = parse(params, store)
    return read_page(uow.order_search, filters, after, params.limit)


def customer_orders(
    uow: SearchSource, customer_id: str, params: SearchParams, store: str | None
) -> OrderPage:
    """A page of one customer's orders, from every channel, with their returns."""
    filters, after = parse(params, store)
    if not uow.order_search.customer_exists(customer_id):
        raise NotFoundError(f'customer "{customer_id}" does not exist')
    if filters.customer_id not in (None, customer_id):  # asked for another customer as well
        return OrderPage([], None, has_more=False)
    mine = replace(filters, customer_id=customer_id)
    return read_page(uow.order_search, mine, after, params.limit)


def read_page(
    search: OrderSearch, filters: OrderFilters, after: Cursor | None, limit: int
) -> OrderPage:
    # One row more than the page says whether there is more.
    rows = search.page(filters, after, limit + 1)
    has_more = len(rows) > limit
    shown = rows[:limit]
    last = shown[-1] if has_more else None
    cursor = encode_cursor(Cursor(last.created_at, last.id)) if last else None
    return OrderPage(shown, cursor, has_more)


# --------------------------------------------------------------- validation


def parse(params: SearchParams, store: str | None) -> tuple[OrderFilters, Cursor | None]:
    """The filters and cursor ``params`` stand for; every problem, each naming its parameter,
    in one ValidationError."""
    problems: list[str] = []
    statuses = _one_of("status", params.status, STATUSES, problems)
    channels = _one_of("channel", params.channel, CHANNELS, problems)
    methods = _one_of("method", params.method, METHODS, problems)
    texts = {
        name: _text(name, getattr(params, name), problems)
        for name in ("customer_id", "email", "node", "sku", "q")
    }
    after = _instant("created_after", params.created_after, problems)
    before = _instant("created_before", params.created_before, problems)
    if not 1 <= params.limit <= MAX_LIMIT:
        problems.append(f"limit: must be between 1 and {MAX_LIMIT}, not {params.limit}")
    cursor = None
    if params.cursor:
        cursor = decode_cursor(params.cursor)
        if cursor is None:
            problems.append("cursor: not a cursor this listing gave out (pass next_cursor as is)")
    if problems:
        raise ValidationError(problems)
    email = texts["email"]
    filters = OrderFilters(
        statuses=statuses,
        channels=channels,
        methods=methods,
        customer_id=texts["customer_id"],
        email=email.lower() if email else None,
        node=texts["node"],
        sku=texts["sku"],
        created_after=after,
        created_before=before,
        q=query_term(texts["q"]) if texts["q"] else None,
        store=store,
    )
    return filters, cursor


def query_term(q: str) -> QueryTerm:
    """An e-mail when it has an @, a phone when it reads as one, else an order id prefix."""
    if "@" in q:
        return QueryTerm("email", (q.lower(),))
    if _PHONE.match(q) and sum(ch.isdigit() for ch in q) >= _MIN_PHONE_DIGITS:
        normalised = normalise_phone(q)
        return QueryTerm("phone", tuple(dict.fromkeys((normalised, q))))
    return QueryTerm("id_prefix", (q,))


def normalise_phone(phone: str) -> str:
    """Digits only, with the leading + if there was one ("+33 6 12-34" -> "+3361234")."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return f"+{digits}" if phone.lstrip().startswith("+") else digits


def _one_of(
    name: str, given: Sequence[str], allowed: Sequence[str], problems: list[str]
) -> tuple[str, ...]:
    wanted = [v.strip() for value in given for v in value.split(",") if v.strip()]
    unknown = [v for v in wanted if v not in allowed]
    if unknown:
        problems.append(
            f"{name}: {', '.join(map(repr, unknown))} is not one of {', '.join(allowed)}"
        )
    return tuple(dict.fromkeys(v for v in wanted if v in allowed))


def _text(name: str, value: str | None, problems: list[str]) -> str | None:
    value = value.strip() if value is not None else None
    if not value:
        return None
    if len(value) > MAX_TEXT or _NOT_PRINTABLE.search(value):
        problems.append(f"{name}: at most {MAX_TEXT} printable characters")
        return None
    return value


def _instant(name: str, value: str | None, problems: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        problems.append(f"{name}: not an ISO 8601 date and time ({value[:40]!r})")
        return None
    if parsed.tzinfo is None:
        problems.append(f"{name}: give a UTC offset (e.g. 2026-12-01T00:00:00Z)")
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first instant
        problems.append(f"{name}: out of range")
        return None


# ------------------------------------------------------------------ cursor


def encode_cursor(cursor: Cursor) -> str:
    raw = f"{_CURSOR_PREFIX}{cursor.created_at.isoformat()}|{cursor.order_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor | None:
    """The row a cursor stands for, or None when it is not one this listing gave out."""
    try:
        padded = text + "=" * (-len(text) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        if not raw.startswith(_CURSOR_PREFIX):
            return None
        instant, order_id = raw[len(_CURSOR_PREFIX) :].split("|", 1)
        created_at = datetime.fromisoformat(instant)
    except (binascii.Error, UnicodeError, ValueError):
        return None
    if created_at.tzinfo is None or not order_id or _NOT_PRINTABLE.search(order_id):
        return None
    try:
        return Cursor(created_at.astimezone(UTC), order_id)
    except OverflowError:
        return None
