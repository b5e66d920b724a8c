"""How the catalog reacts to its own events."""

from __future__ import annotations

from oms.catalog.ports import NetworkChanges
from oms.domain.events import NodeEvent


def tell_the_network_cache(event: NodeEvent, uow: NetworkChanges) -> None:
    """A node was added, corrected, enabled or disabled: the in-memory network (sourcer,
    promise calendars) is rebuilt after the commit, never before others can see the change."""
    uow.nodes.changed()
