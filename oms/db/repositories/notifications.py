"""What the notifications context reads besides its own rows: the customers (their language)
and the ready pickups due a reminder."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.db import tables
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import Order


class SqlPickupReminders:
    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, horizon: datetime, limit: int) -> list[Order]:
        """Ready pickups not reminded yet whose hold ends after ``now`` but by ``horizon``,
        locked as read, skipping those a collection, the sweeper or another mailer holds."""
        c = tables.orders.c
        stmt = (
            select(Order)
            .where(
                c.status == OrderStatus.READY_FOR_PICKUP,
                c.reminded_at.is_(None),
                c.expires_at > now,
                c.expires_at <= horizon,
            )
            .order_by(c.expires_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))
