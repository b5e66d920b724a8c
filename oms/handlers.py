"""Which handlers react to which domain events: the one place they are registered
(cosmicpython's ``EVENT_HANDLERS``). The composition root builds the message bus from it."""

from __future__ import annotations

from collections.abc import Sequence

from oms.domain.bus import Handler, MessageBus
from oms.domain.events import (
    DomainEvent,
    LinesCancelled,
    OrderCancelled,
    PickupExpired,
    ReadyForPickup,
    Sourced,
)
from oms.notifications import handlers as notifications
from oms.stores import handlers as stores

HANDLERS: dict[type[DomainEvent], Sequence[Handler]] = {}


def message_bus() -> MessageBus:
    return MessageBus(HANDLERS)


# ------------------------------------------------------------------------ orders and stores

HANDLERS[Sourced] = [stores.release_picks_of_sourced_order]
HANDLERS[OrderCancelled] = [
    stores.withdraw_cancelled_lines_from_picks,
    stores.free_pickup_slot_of_cancelled_order,
]
HANDLERS[LinesCancelled] = [stores.withdraw_cancelled_lines_from_picks]
HANDLERS[ReadyForPickup] = [notifications.tell_ready_for_pickup]
HANDLERS[PickupExpired] = [notifications.tell_pickup_expired]
