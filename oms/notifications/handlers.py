"""Messages owed to the customer when an order's pickup changes (registered in
oms/handlers.py); the mailer sends what is kept here."""

from __future__ import annotations

from oms.domain.events import PickupExpired, ReadyForPickup
from oms.notifications.model import Notification
from oms.notifications.ports import NotificationsUnitOfWork


def tell_ready_for_pickup(event: ReadyForPickup, uow: NotificationsUnitOfWork) -> None:
    """The order waits at its store: where, since when and until when."""
    uow.notifications.add(
        Notification(
            order_id=event.order_id,
            kind="ready_for_pickup",
            channel="email",
            payload=event.payload(),
        )
    )


def tell_pickup_expired(event: PickupExpired, uow: NotificationsUnitOfWork) -> None:
    """The order was not collected in time: what is refunded."""
    uow.notifications.add(
        Notification(
            order_id=event.order_id,
            kind="pickup_expired",
            channel="email",
            payload={"refunds": event.refunds},
        )
    )
