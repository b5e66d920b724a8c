"""Lookups every context needs, kept below the services so that none imports another's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oms.db.tables import Order
from oms.domain.errors import NotFoundError


def get_order(session: Session, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFoundError(f'order "{order_id}" does not exist')
    return order
