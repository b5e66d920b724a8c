"""The promise-date rule's answers for one network, kept for the current minute.

Every checkout in the same minute asks the same questions (when does DC-PARIS ship, when is
ST-LYON-02 ready), and each costs a few time-zone conversions, so each is worked out once a
minute by the one rule (`oms.promise.rule`), for nodes named by their index in the network. An
order placed in the same minute reads the same answers, so it records what checkout showed.
"""

from __future__ import annotations

import threading
from datetime import datetime

from oms.domain.errors import ValidationError
from oms.promise.choice import DeliveryService
from oms.promise.rule import MINUTE, Promised, PromiseDates, order_minute
from oms.sourcing.network import Network

MINUTES_KEPT = 8  # the current minute and a few others (callers passing their own clock)


class MinuteDates(PromiseDates[int]):
    """The rule's answers of one minute for the nodes of one network."""

    __slots__ = ("_at_store", "network")

    def __init__(self, network: Network, minute: datetime) -> None:
        nodes = network.nodes
        super().__init__(lambda n: nodes[n].calendar, minute)
        self.network = network
        # Answers at a store depend on no address: kept whole (each costs a time-zone turn).
        self._at_store: dict[tuple[int, DeliveryService, int], Promised] = {}

    def promised(
        self,
        node: int,
        service: DeliveryService,
        *,
        address: tuple[float, float] | None = None,
        store: int | None = None,
    ) -> Promised:
        """A shipment from `node`: to the `address` (lat, lon), or for click-and-collect at
        `store` (the distances are the network's)."""
        if store is not None:
            key = (node, service, store)
            found = self._at_store.get(key)
            if found is None:
                km = 0.0 if node == store else self.network.km_between(node, store)
                found = self.shipment(node, service, km=km, pickup_store=store)
                self._at_store[key] = found
            return found
        if address is None:
            raise ValidationError(["address: a shipment to an address needs its coordinates"])
        return self.shipment(node, service, km=self.network.km_to_point(node, *address))


class OptionDates:
    """The minutes' answers for one network (a rebuilt network gets a new book)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self._lock = threading.Lock()
        self._minutes: dict[datetime, MinuteDates] = {}
        self._latest: MinuteDates | None = None

    def at(self, now: datetime) -> MinuteDates:
        latest = self._latest  # the common case: the same minute as the last checkout
        if latest is not None and latest.minute <= now < latest.minute + MINUTE:
            return latest
        minute = order_minute(now)
        found = self._minutes.get(minute)
        if found is None:
            with self._lock:
                if len(self._minutes) >= MINUTES_KEPT:
                    self._minutes.clear()
                found = self._minutes.setdefault(minute, MinuteDates(self.network, minute))
        self._latest = found
        return found
