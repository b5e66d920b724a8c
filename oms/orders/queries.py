"""Lookups every context needs, kept below the services so that none imports another's."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.domain.errors import ForbiddenError, NotFoundError
from oms.orders.model import Order, Shipment


def get_order(session: Session, order_id: str) -> Order:
    """The order, its row locked for the rest of the transaction (PostgreSQL; SQLite's writers
    are serialised already): two transitions of one order (collect and expire, cancel and
    ship) run one after the other, the second seeing what the first did."""
    order = session.get(Order, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise NotFoundError(f'order "{order_id}" does not exist')
    return order


def order_nodes(session: Session, order: Order) -> set[str]:
    """Every node an order involves: its pickup store and the nodes of its shipments."""
    shipped_from = session.scalars(select(Shipment.node_id).where(Shipment.order_id == order.id))
    return {n for n in (order.pickup_node, *shipped_from) if n is not None}


def require_store_sees(store: str | None, nodes: set[str], what: str) -> None:
    """A store key (``store`` is its node) sees only what involves its node."""
    if store is not None and store not in nodes:
        raise ForbiddenError(f"{what} does not involve store {store}")


def order_for(session: Session, order_id: str, store: str | None) -> Order:
    """The order, if the caller may see it: any non-store key, or a store it involves."""
    order = get_order(session, order_id)
    require_store_sees(store, order_nodes(session, order), f'order "{order_id}"')
    return order
