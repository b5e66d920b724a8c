"""Which handlers react to which domain events: the one place they are registered
(cosmicpython's ``EVENT_HANDLERS``). The composition root builds the message bus from it."""

from __future__ import annotations

from collections.abc import Sequence

from oms.domain.bus import Handler, MessageBus
from oms.domain.events import (
    DomainEvent,
    Exchanged,
    Refunded,
    Restocked,
    ReturnReceived,
    ReturnRequested,
)
from oms.returns import handlers as returns

HANDLERS: dict[type[DomainEvent], Sequence[Handler]] = {}

# ------------------------------------------------------------------------ returns
# Every return event is kept on the return's own history too, first, as it always was.
HANDLERS[ReturnRequested] = [returns.keep_on_return_history]
HANDLERS[ReturnReceived] = [returns.keep_on_return_history, returns.restock_received_units]
HANDLERS[Restocked] = [returns.keep_on_return_history]
HANDLERS[Refunded] = [returns.keep_on_return_history]
HANDLERS[Exchanged] = [returns.keep_on_return_history]


def message_bus() -> MessageBus:
    return MessageBus(HANDLERS)
