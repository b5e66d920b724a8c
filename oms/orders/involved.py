"""The nodes an order involves, as order search reads them (``OrderNode`` rows): each node an
allocation of the order was ever at, and its pickup store. Written in the same transaction as
what involves them (the order's creation, a re-sourcing), never removed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from oms.domain.ports import Repository
from oms.orders.model import Order, OrderNode


class InvolvesNodes(Protocol):
    @property
    def order_nodes(self) -> Repository[OrderNode]: ...


def new_order_nodes(order: Order, supplying: Iterable[str]) -> list[OrderNode]:
    """The rows of a new order: its allocations' nodes (``supplying``) and its pickup store."""
    wanted = _wanted(order, supplying)
    return [
        OrderNode(order_id=order.id, node_id=n, created_at=order.created_at, supplies=s)
        for n, s in sorted(wanted.items())
    ]


def involve(uow: InvolvesNodes, order: Order, supplying: Iterable[str]) -> None:
    """``supplying`` nodes now hold units of ``order``: the rows not there yet are added, a
    pickup store's row is marked as supplying too; nothing is removed."""
    for node, supplies in sorted(_wanted(order, supplying).items()):
        row = uow.order_nodes.find((order.id, node))
        if row is None:
            uow.order_nodes.add(
                OrderNode(
                    order_id=order.id, node_id=node, created_at=order.created_at, supplies=supplies
                )
            )
        elif supplies and not row.supplies:
            row.supplies = True


def _wanted(order: Order, supplying: Iterable[str]) -> dict[str, bool]:
    wanted = dict.fromkeys(supplying, True)
    if order.pickup_node is not None:
        wanted.setdefault(order.pickup_node, False)
    return wanted
