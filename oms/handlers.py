"""Which handlers react to which domain events: the one place they are registered
(cosmicpython's ``EVENT_HANDLERS``). The composition root builds the message bus from it."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from oms.catalog.handlers import tell_the_network_cache
from oms.domain.bus import Handler, MessageBus
from oms.domain.events import (
    Collected,
    Delivered,
    DomainEvent,
    LinesCancelled,
    NodeAdded,
    NodeDisabled,
    NodeEnabled,
    NodeUpdated,
    OrderCancelled,
    Picked,
    PickupExpired,
    ReadyForPickup,
    ReturnReceived,
    Shipped,
    Sourced,
    StoreCapacityChanged,
)
from oms.notifications import handlers as notifications
from oms.promise.service import NetworkCache
from oms.returns import handlers as returns
from oms.stores import handlers as stores
from oms.stores import handover, short_picks, tracking

# Handlers that need no more than the event and the unit of work.
HANDLERS: dict[type[DomainEvent], Sequence[Handler]] = {
    # catalog: the in-memory network follows its nodes
    NodeAdded: [tell_the_network_cache],
    NodeUpdated: [tell_the_network_cache],
    NodeEnabled: [tell_the_network_cache],
    NodeDisabled: [tell_the_network_cache],
    StoreCapacityChanged: [tell_the_network_cache],  # a paused or full store is not sourced
    # stores: the work of an order at its stores follows what happens to the order
    Sourced: [stores.release_picks_of_sourced_order],
    OrderCancelled: [
        stores.withdraw_cancelled_lines_from_picks,
        stores.free_pickup_slot_of_cancelled_order,
    ],
    LinesCancelled: [stores.withdraw_cancelled_lines_from_picks],
    # returns: units received sellable where they arrived go back on sale
    ReturnReceived: [returns.restock_received_units],
}

# tracking: the OMS writes its own entries of each shipment's history as its state changes
TRACKING: dict[type[DomainEvent], Sequence[Handler]] = {
    Shipped: [tracking.track_shipped],
    Delivered: [tracking.track_delivered],
    ReadyForPickup: [tracking.track_ready_for_pickup],
    Collected: [tracking.track_collected],
}
for _event, _reactions in TRACKING.items():
    HANDLERS[_event] = [*HANDLERS.get(_event, ()), *_reactions]

# the store counter: an expired pickup's units wait to be put back on the shelf
HANDLERS[PickupExpired] = [*HANDLERS.get(PickupExpired, ()), handover.queue_for_reshelving]


def handlers(
    cache: NetworkCache, default_locale: str = "en"
) -> dict[type[DomainEvent], Sequence[Handler]]:
    """Every registration, with the dependencies injected (cosmicpython's bootstrap): the
    re-sourcing of a short pick runs the sourcer over the app's network cache; the customer's
    messages are in their language, else ``default_locale`` (OMS_DEFAULT_LOCALE)."""
    resource = functools.partial(short_picks.resource_what_a_pick_missed, cache=cache)
    found: dict[type[DomainEvent], Sequence[Handler]] = {**HANDLERS, Picked: [resource]}
    # notifications: what the customer is owed a message about, after the context's own work
    for kind, tell in notifications.tellers(default_locale).items():
        found[kind] = [*found.get(kind, ()), tell]
    return found


def message_bus(cache: NetworkCache | None = None, default_locale: str = "en") -> MessageBus:
    """The bus of every handler; ``cache``: the app's network cache (a fresh one otherwise,
    for a command-line run or a test)."""
    return MessageBus(handlers(cache or NetworkCache(), default_locale))
