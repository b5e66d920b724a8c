"""Which handlers react to which domain events: the one place they are registered
(cosmicpython's ``EVENT_HANDLERS``). The composition root builds the message bus from it."""

from __future__ import annotations

from collections.abc import Sequence

from oms.domain.bus import Handler, MessageBus
from oms.domain.events import (
    DomainEvent,
    ReturnReceived,
)
from oms.returns import handlers as returns

HANDLERS: dict[type[DomainEvent], Sequence[Handler]] = {}

# ------------------------------------------------------------------------ returns
HANDLERS[ReturnReceived] = [returns.restock_received_units]


def message_bus() -> MessageBus:
    return MessageBus(HANDLERS)
