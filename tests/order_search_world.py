"""Orders to search: a small network and a few hundred orders of every channel, status and
method, with lines, allocations (and the nodes they involve, as the services record them),
returns, customers, guest e-mails and phones, and orders that share a creation instant (the id
breaks the tie). Written straight to a database, or kept in memory for the plain Python search
(tests/fakes/order_search.py) they are checked against."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import insert
from sqlalchemy.orm import Session

from oms.customers.model import Customer
from oms.db import tables
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from oms.inventory.model import Sku
from oms.orders.involved import new_order_nodes
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import Allocation, DeliveryMethod, Order, OrderLine, OrderNode
from oms.orders.search import CHANNELS
from oms.returns.records import ReturnAuthorization
from tests.fakes.order_search import FakeOrderSearch, Rows

NODES = ("DC-1", "ST-A", "ST-B", "ST-C")
STORES = NODES[1:]
SKUS = ("S1", "S2", "S3", "S4", "S5")
CUSTOMERS = ("cus_1", "cus_2", "cus_3")
T = TypeVar("T")
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@dataclass
class World:
    orders: list[Order] = field(default_factory=list)
    lines: list[OrderLine] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    order_nodes: list[OrderNode] = field(default_factory=list)  # as the service writes them
    returns: list[ReturnAuthorization] = field(default_factory=list)

    def search(self) -> FakeOrderSearch:
        return FakeOrderSearch(
            Rows(
                orders=lambda: self.orders,
                lines=lambda: self.lines,
                order_nodes=lambda: self.order_nodes,
                returns=lambda: self.returns,
                customers=set(CUSTOMERS),
            )
        )


def world(seed: int, count: int, first: int = 0, start: datetime = START) -> World:
    """``count`` orders numbered from ``first``, created from ``start`` on, a few minutes
    apart, one in five at the same instant as the one before."""
    rnd, made = random.Random(seed), World()
    at = start
    for k in range(first, first + count):
        if rnd.random() > 0.2:
            at += timedelta(minutes=rnd.randint(1, 30), microseconds=rnd.randint(0, 999_999))
        order = _order(rnd, k, at)
        made.orders.append(order)
        supplying: set[str] = set()
        for n in range(rnd.randint(1, 3)):
            line = OrderLine(id=f"{order.id}-{n + 1}", order_id=order.id, line_no=n + 1,
                             sku_id=rnd.choice(SKUS), qty=rnd.randint(1, 4),
                             price_minor=rnd.choice((500, 1299, 2450)),
                             status=_line_status(order))  # fmt: skip
            made.lines.append(line)
            for node in rnd.sample(_sources(order), rnd.choice((0, 1, 1, 1, 2))):
                made.allocations.append(Allocation(order_line_id=line.id, node_id=node, qty=1))
                supplying.add(node)
        made.order_nodes += new_order_nodes(order, supplying)
        if rnd.random() < 0.15:
            made.returns += [_return(order, n, rnd) for n in range(rnd.randint(1, 2))]
    return made


def _order(rnd: random.Random, k: int, at: datetime) -> Order:
    method = rnd.choice(list(DeliveryMethod))
    customer = rnd.choice((*CUSTOMERS, None, None))
    guest = rnd.choice(("ana@example.com", "bo@example.org", None))
    return Order(
        id=f"O-{k:04d}{rnd.choice('ABCDEF')}",
        status=rnd.choice(list(OrderStatus)),
        channel=rnd.choice(CHANNELS),
        method=method,
        currency="EUR",
        pickup_node=rnd.choice(STORES) if method is DeliveryMethod.PICKUP else None,
        created_at=at,
        customer_id=customer,
        email=f"{customer}@example.com" if customer else guest,
        phone=rnd.choice(("+33612345678", "0612345678", None)),
    )


def _sources(order: Order) -> list[str]:
    return [n for n in NODES if order.pickup_node in (None, n) or n == "DC-1"]


def _line_status(order: Order) -> str:
    return "cancelled" if order.status is OrderStatus.CANCELLED else "allocated"


def _return(order: Order, n: int, rnd: random.Random) -> ReturnAuthorization:
    return ReturnAuthorization(
        id=f"RMA-{order.id}-{n}", order_id=order.id,
        status=rnd.choice(("requested", "received", "refunded")), method="mail",
        reason="defective", destination="DC-1", purchase_channel="web", cross_channel=False,
        created_at=order.created_at + timedelta(days=1, minutes=n),
    )  # fmt: skip


def network(session_factory: Callable[[], Session]) -> None:
    """The nodes, SKUs and customers the orders name."""
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        # Core, with these columns only: the migration tests write them on older schemas too.
        uow.session.execute(insert(tables.nodes), [
            dict(id=n, kind="store" if n in STORES else "warehouse", lat=48.8, lon=2.3,
                 can_ship=True, can_pickup=n in STORES, handling_cost=0.5, shipment_cost=3.0,
                 cost_per_km=0.01)
            for n in NODES
        ])  # fmt: skip
        uow.skus.add_all_now([Sku(id=s, name=s, price_minor=999, currency="EUR") for s in SKUS])
        uow.session.add_all([Customer(id=c, email=f"{c}@example.com") for c in CUSTOMERS])
        uow.commit()


def write(session_factory: Callable[[], Session], made: World, *, nodes: bool = True) -> None:
    """The orders and what hangs off them, in one transaction (``nodes``: with order_nodes,
    as the services write them; without, as before migration 0014)."""
    with SqlUnitOfWork(session_factory, message_bus()) as uow:
        uow.orders.add_all_now(_copies(made.orders))
        uow.order_lines.add_all_now(_copies(made.lines))
        uow.allocations.add_all_now(_copies(made.allocations))
        if nodes:
            uow.order_nodes.add_all_now(_copies(made.order_nodes))
        uow.returns.add_all_now(_copies(made.returns))
        uow.commit()


def _copies(rows: list[T]) -> list[T]:
    """Fresh objects for the session (the world's own stay plain, for the reference)."""
    return [type(r)(**{k: v for k, v in vars(r).items() if not k.startswith("_")}) for r in rows]
