"""Order search in SQL (``oms.orders.search.OrderSearch``): one keyset query for the page, then
three small reads for the page's lines, nodes and returns.

Why it is fast at a million orders on PostgreSQL (benchmarks/test_bench_order_search.py): the
page reads ``orders`` backwards along (created_at, id) (``ix_orders_created_at``), the cursor a
row comparison the index seeks to, and stops after ``limit`` rows. A selective filter has its
own (column, created_at, id) index (customer, e-mail, phone), so its rows come in page order
too. A node or a store key reads its ``order_nodes`` rows (the nodes each order involves, kept
by the services) backwards along (node_id, created_at, order_id), each joined to its order by
key: a page is about a page of lookups over the node's share of the orders. A SKU takes the
shape its size calls for (see FEW below). An order id prefix is a LIKE the
``text_pattern_ops`` index answers whatever the collation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy import tuple_ as row
from sqlalchemy.orm import Session

from oms.db import tables
from oms.db.types import UtcDateTime
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod
from oms.orders.search import Cursor, OrderFilters, OrderSummary, QueryTerm, ReturnRef

_O = tables.orders.c
_L = tables.order_lines.c
_R = tables.returns.c
_N = tables.order_nodes.c
_OTHER = tables.order_nodes.alias("other_nodes").c
_SUMMARY = (
    _O.id,
    _O.status,
    _O.channel,
    _O.method,
    _O.service,
    _O.created_at,
    _O.customer_id,
    _O.email,
    _O.pickup_node,
    _O.currency,
)


class SqlOrderSearch:
    def __init__(self, session: Session) -> None:
        self.session = session

    def customer_exists(self, customer_id: str) -> bool:
        c = tables.customers.c
        stmt = select(c.id).where(c.id == customer_id)
        return self.session.execute(stmt).first() is not None

    def page(self, filters: OrderFilters, after: Cursor | None, limit: int) -> list[OrderSummary]:
        if self.session.get_bind().dialect.name == "postgresql":
            # A page reads a few thousand index entries at most: starting parallel workers
            # costs more (10-40 ms measured on a busy 2-core machine) than they save.
            self.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        rows = self.session.execute(self.statement(filters, after, limit)).all()
        ids = [r.id for r in rows]
        if not ids:
            return []
        totals, nodes, returns = self._totals(ids), self._nodes(ids), self._returns(ids)
        return [_summary(r, totals.get(r.id, (0, 0, 0)), nodes[r.id], returns[r.id]) for r in rows]

    def statement(self, filters: OrderFilters, after: Cursor | None, limit: int) -> Select[Any]:
        """The page's query (the shape of a SKU condition depends on the data)."""
        return matching(filters, after, limit, self.is_few)

    def is_few(self, rows: Select[Any]) -> bool:
        """Whether ``rows`` are at most FEW (counted no further)."""
        capped = select(func.count()).select_from(rows.limit(FEW + 1).subquery())
        return int(self.session.execute(capped).scalar_one()) <= FEW

    def _totals(self, ids: Sequence[str]) -> dict[str, tuple[int, int, int]]:
        stmt = (
            select(_L.order_id, func.count(), func.sum(_L.qty), func.sum(_L.qty * _L.price_minor))
            .where(_L.order_id.in_(ids))
            .group_by(_L.order_id)
        )
        return {
            oid: (int(n), int(u or 0), int(t or 0)) for oid, n, u, t in self.session.execute(stmt)
        }

    def _nodes(self, ids: Sequence[str]) -> dict[str, set[str]]:
        stmt = select(_N.order_id, _N.node_id).where(_N.order_id.in_(ids))
        found: dict[str, set[str]] = defaultdict(set)
        for order_id, node_id in self.session.execute(stmt):
            found[order_id].add(node_id)
        return found

    def _returns(self, ids: Sequence[str]) -> dict[str, list[ReturnRef]]:
        stmt = (
            select(_R.order_id, _R.id, _R.status)
            .where(_R.order_id.in_(ids))
            .order_by(_R.created_at, _R.id)
        )
        found: dict[str, list[ReturnRef]] = defaultdict(list)
        for order_id, return_id, status in self.session.execute(stmt):
            found[order_id].append(ReturnRef(return_id, str(status)))
        return found


IsFew = Callable[[Select[Any]], bool]


def matching(filters: OrderFilters, after: Cursor | None, limit: int, is_few: IsFew) -> Select[Any]:
    """The page's orders: every condition, after the cursor, newest first. With a node or a
    store, the page is read from that node's ``order_nodes`` rows, in page order."""
    conditions = conditions_of(filters, is_few)
    at_node = node_conditions(filters)
    source: FromClause = tables.orders
    created, order_id = _O.created_at, _O.id
    if at_node:
        source = tables.order_nodes.join(tables.orders, _O.id == _N.order_id)
        created, order_id = _N.created_at, _N.order_id  # the order's, from the node's index
        conditions += at_node
    if after is not None:
        conditions.append(
            row(created, order_id)
            < row(literal(after.created_at, UtcDateTime()), literal(after.order_id))
        )
    return (
        select(*_SUMMARY)
        .select_from(source)
        .where(*conditions)
        .order_by(created.desc(), order_id.desc())
        .limit(limit)
    )


def conditions_of(f: OrderFilters, is_few: IsFew) -> list[ColumnElement[bool]]:
    """The conditions on the order itself (the node and the store: ``node_conditions``)."""
    found: list[ColumnElement[bool]] = []
    if f.statuses:
        found.append(_O.status.in_([OrderStatus(s) for s in f.statuses]))
    if f.channels:
        found.append(_O.channel.in_(list(f.channels)))
    if f.methods:
        found.append(_O.method.in_([DeliveryMethod(m) for m in f.methods]))
    equal = {"customer_id": f.customer_id, "email": f.email}
    found += [_O[name] == value for name, value in equal.items() if value is not None]
    if f.created_after is not None:
        found.append(_O.created_at >= f.created_after)
    if f.created_before is not None:
        found.append(_O.created_at < f.created_before)
    if f.sku is not None:
        found.append(with_sku(f.sku, is_few))
    if f.q is not None:
        found.append(answers(f.q))
    return found


def node_conditions(f: OrderFilters) -> list[ColumnElement[bool]]:
    """The ``order_nodes`` rows that drive the page: the store's (it involves the order), else
    the node's (it supplied units of the order); a node other than the store is looked up by
    key, order by order."""
    if f.store is None and f.node is None:
        return []
    if f.store is None or f.store == f.node:
        return [_N.node_id == (f.node or f.store), _N.supplies]
    found = [_N.node_id == f.store]
    if f.node is not None:
        found.append(_probe(select(_OTHER.node_id).where(
            _OTHER.order_id == _O.id, _OTHER.node_id == f.node, _OTHER.supplies
        )))  # fmt: skip
    return found


# The SKU condition takes one of two shapes, by how many lines are of the SKU (counted up to
# FEW, an index-only read). Few (n rows): the set of their orders, computed first (a
# materialised CTE), then the page sorted out of it: about n lookups. Many: a probe per order
# along the page order, until the page is full: about page / share lookups. The two cross near
# sqrt(page x orders) rows, about 4,600 at a million orders. Left to choose, the planner sorted
# all 8,000 orders of a popular SKU it estimated at 600.
FEW = 4_000


def with_sku(sku: str, is_few: IsFew) -> ColumnElement[bool]:
    """Some line of the order is of ``sku``."""
    lines = select(_L.order_id).where(_L.sku_id == sku)
    if is_few(lines):
        return _O.id.in_(_materialised(lines))
    return _probe(lines.where(_L.order_id == _O.id))


def _probe(correlated: Select[Any]) -> ColumnElement[bool]:
    """EXISTS, run order by order along the page order. OFFSET 0 keeps PostgreSQL from
    turning it into a join or a hashed set: its statistics can be far off for one SKU or
    node (a SKU on 8,000 orders estimated at 600 was joined to all of them, 125 ms)."""
    return correlated.offset(0).exists()


def _materialised(ids: Select[Any]) -> Select[Any]:
    found = ids.cte().prefix_with("MATERIALIZED")
    return select(found.c[0])


def answers(q: QueryTerm) -> ColumnElement[bool]:
    if q.kind == "email":
        return _O.email.in_(list(q.values))
    if q.kind == "phone":
        return _O.phone.in_(list(q.values))
    # LIKE for PostgreSQL's index; the substr check for SQLite, whose LIKE ignores case.
    return or_(
        *(
            and_(_O.id.startswith(p, autoescape=True), func.substr(_O.id, 1, len(p)) == p)
            for p in q.values
        )
    )


def _summary(
    r: Any, totals: tuple[int, int, int], nodes: set[str], returns: list[ReturnRef]
) -> OrderSummary:
    lines, units, total = totals
    return OrderSummary(
        id=r.id,
        status=str(r.status),
        channel=r.channel,
        method=str(r.method),
        service=str(r.service),
        created_at=r.created_at,
        customer_id=r.customer_id,
        email=r.email,
        pickup_node=r.pickup_node,
        currency=r.currency,
        lines=lines,
        units=units,
        total_minor=total,
        nodes=tuple(sorted(nodes)),
        returns=tuple(returns),
    )
