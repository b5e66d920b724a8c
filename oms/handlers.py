"""Which handlers react to which domain events: the one place they are registered
(cosmicpython's ``EVENT_HANDLERS``). The composition root builds the message bus from it."""

from __future__ import annotations

from collections.abc import Sequence

from oms.catalog.handlers import tell_the_network_cache
from oms.domain.bus import Handler, MessageBus
from oms.domain.events import DomainEvent, NodeAdded, NodeDisabled, NodeEnabled, NodeUpdated

HANDLERS: dict[type[DomainEvent], Sequence[Handler]] = {
    # catalog: the in-memory network follows its nodes
    NodeAdded: [tell_the_network_cache],
    NodeUpdated: [tell_the_network_cache],
    NodeEnabled: [tell_the_network_cache],
    NodeDisabled: [tell_the_network_cache],
}


def message_bus() -> MessageBus:
    return MessageBus(HANDLERS)
