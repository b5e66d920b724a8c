"""Order search in plain Python over rows in memory: the fake unit of work's, and the reference
the SQL search is checked against (tests/integration/test_order_search.py and the property).
Nodes come from the order_nodes rows, as in SQL: the node filter wants a node that supplied
units of the order, a store key a node the order involves in any way."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field

from oms.orders.model import Order, OrderLine, OrderNode
from oms.orders.search import Cursor, OrderFilters, OrderSummary, QueryTerm, ReturnRef
from oms.returns.records import ReturnAuthorization


@dataclass
class Rows:
    orders: Callable[[], Iterable[Order]]
    lines: Callable[[], Iterable[OrderLine]]
    order_nodes: Callable[[], Iterable[OrderNode]]  # the nodes each order involves
    returns: Callable[[], Iterable[ReturnAuthorization]]
    customers: Container[str] = field(default_factory=set)  # the ids of customers


class FakeOrderSearch:
    def __init__(self, rows: Rows) -> None:
        self.rows = rows

    def customer_exists(self, customer_id: str) -> bool:
        return customer_id in self.rows.customers

    def page(self, filters: OrderFilters, after: Cursor | None, limit: int) -> list[OrderSummary]:
        lines = list(self.rows.lines())
        nodes: dict[str, set[str]] = {}  # involved
        supplying: dict[str, set[str]] = {}
        for row in self.rows.order_nodes():
            nodes.setdefault(row.order_id, set()).add(row.node_id)
            if row.supplies:
                supplying.setdefault(row.order_id, set()).add(row.node_id)
        skus: dict[str, set[str]] = {}
        for ln in lines:
            skus.setdefault(ln.order_id, set()).add(ln.sku_id)
        found = [
            o
            for o in self.rows.orders()
            if matches(
                o,
                filters,
                Involved(nodes.get(o.id, set()), supplying.get(o.id, set())),
                skus.get(o.id, set()),
            )
            and (after is None or (o.created_at, o.id) < (after.created_at, after.order_id))
        ]
        found.sort(key=lambda o: (o.created_at, o.id), reverse=True)
        return [self._summary(o, lines, nodes.get(o.id, set())) for o in found[:limit]]

    def _summary(self, o: Order, lines: list[OrderLine], nodes: set[str]) -> OrderSummary:
        mine = [ln for ln in lines if ln.order_id == o.id]
        returns = sorted(
            (r for r in self.rows.returns() if r.order_id == o.id),
            key=lambda r: (r.created_at, r.id),
        )
        return OrderSummary(
            id=o.id,
            status=o.status.value,
            channel=o.channel,
            method=o.method.value,
            service=o.service.value,
            created_at=o.created_at,
            customer_id=o.customer_id,
            email=o.email,
            pickup_node=o.pickup_node,
            currency=o.currency,
            lines=len(mine),
            units=sum(ln.qty for ln in mine),
            total_minor=sum(ln.qty * ln.price_minor for ln in mine),
            nodes=tuple(sorted(nodes)),
            returns=tuple(ReturnRef(r.id, r.status) for r in returns),
        )


@dataclass(frozen=True)
class Involved:
    nodes: set[str]  # every node the order involves
    supplying: set[str]  # those that held units of it


def matches(o: Order, f: OrderFilters, involved: Involved, skus: set[str]) -> bool:
    checks = [
        not f.statuses or o.status.value in f.statuses,
        not f.channels or o.channel in f.channels,
        not f.methods or o.method.value in f.methods,
        f.customer_id is None or o.customer_id == f.customer_id,
        f.email is None or o.email == f.email,
        f.node is None or f.node in involved.supplying,
        f.sku is None or f.sku in skus,
        f.created_after is None or o.created_at >= f.created_after,
        f.created_before is None or o.created_at < f.created_before,
        f.q is None or answers(o, f.q),
        f.store is None or f.store in involved.nodes,
    ]
    return all(checks)


def answers(o: Order, q: QueryTerm) -> bool:
    if q.kind == "email":
        return o.email in q.values
    if q.kind == "phone":
        return o.phone in q.values
    return any(o.id.startswith(prefix) for prefix in q.values)
