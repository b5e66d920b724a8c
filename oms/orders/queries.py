"""Lookups every context needs, kept below the services so that none imports another's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oms.db.tables import Order
from oms.domain.errors import NotFoundError


def get_order(session: Session, order_id: str) -> Order:
    """The order, its row locked for the rest of the transaction (PostgreSQL; SQLite's writers
    are serialised already): two transitions of one order (collect and expire, cancel and
    ship) run one after the other, the second seeing what the first did."""
    order = session.get(Order, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise NotFoundError(f'order "{order_id}" does not exist')
    return order
