"""The pickup reminder: a ready order whose hold ends within OMS_PICKUP_REMINDER_HOURS is
reminded once (``PickupReminded``, whose handler queues the message with the pickup code). The
mailer runs this pass every half minute; rows are locked as read and marked, so several mailers
remind each order once.

An order that became ready already inside the window is not reminded: its ready message, a
moment ago, said when the hold ends. It is marked all the same, so it is not looked at again."""

from __future__ import annotations

from datetime import datetime, timedelta

from oms.domain.events import PickupReminded
from oms.notifications.ports import RemindersUnitOfWork

BATCH = 500  # orders reminded per pass (the next pass takes the rest)


def remind_pickups(uow: RemindersUnitOfWork, now: datetime, within: timedelta) -> int:
    """Remind the ready pickups whose hold ends by ``now + within``; how many were reminded.
    The caller commits."""
    reminded = 0
    for order in uow.pickup_reminders.due(now, now + within, BATCH):
        order.reminded_at = now
        ready_at, expires_at = order.ready_at, order.expires_at
        if expires_at is None or order.pickup_node is None:
            continue
        if ready_at is not None and ready_at >= expires_at - within:
            continue
        uow.emit(
            PickupReminded(
                order_id=order.id, store=order.pickup_node, expires_at=expires_at.isoformat()
            )
        )
        reminded += 1
    return reminded
