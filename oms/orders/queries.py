"""Lookups every context needs, kept below the services so that none imports another's."""

from __future__ import annotations

from typing import Protocol

from oms.domain.errors import ForbiddenError
from oms.orders.model import Order, Shipment


class _Orders(Protocol):
    def get_for_update(self, order_id: str) -> Order: ...


class _Shipments(Protocol):
    def list_by(
        self, *, order_by: str | tuple[str, ...] = (), **equals: object
    ) -> list[Shipment]: ...


class OrderReader(Protocol):
    @property
    def orders(self) -> _Orders: ...

    @property
    def shipments(self) -> _Shipments: ...


def get_order(uow: OrderReader, order_id: str) -> Order:
    """The order, its row locked for the rest of the transaction (PostgreSQL; SQLite's writers
    are serialised already): two transitions of one order (collect and expire, cancel and
    ship) run one after the other, the second seeing what the first did."""
    return uow.orders.get_for_update(order_id)


def order_nodes(uow: OrderReader, order: Order) -> set[str]:
    """Every node an order involves: its pickup store and the nodes of its shipments."""
    shipped_from = [s.node_id for s in uow.shipments.list_by(order_id=order.id)]
    return {n for n in (order.pickup_node, *shipped_from) if n is not None}


def require_store_sees(store: str | None, nodes: set[str], what: str) -> None:
    """A store key (``store`` is its node) sees only what involves its node."""
    if store is not None and store not in nodes:
        raise ForbiddenError(f"{what} does not involve store {store}")


def require_own_store(store: str | None, node_id: str) -> None:
    """A store key (``store`` is its node) acts at its own store only."""
    if store is not None and store != node_id:
        raise ForbiddenError(f"this store key is bound to {store}, not {node_id}")


def order_for(uow: OrderReader, order_id: str, store: str | None) -> Order:
    """The order, if the caller may see it: any non-store key, or a store it involves."""
    order = get_order(uow, order_id)
    require_store_sees(store, order_nodes(uow, order), f'order "{order_id}"')
    return order
