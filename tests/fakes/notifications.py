"""Fakes of what the notifications context reads besides its own rows: customers, and the
ready pickups due a reminder (over the fake orders)."""

from __future__ import annotations

from datetime import datetime

from oms.orders.lifecycle import OrderStatus
from oms.orders.model import Order
from tests.fakes.orders import FakeOrders


class FakePickupReminders:
    def __init__(self, orders: FakeOrders) -> None:
        self.orders = orders

    def due(self, now: datetime, horizon: datetime, limit: int) -> list[Order]:
        ready = self.orders.list_by(status=OrderStatus.READY_FOR_PICKUP, reminded_at=None)
        due = [o for o in ready if o.expires_at is not None and now < o.expires_at <= horizon]
        return sorted(due, key=lambda o: (o.expires_at, o.id))[:limit]
