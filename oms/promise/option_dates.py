"""Calendar answers for the promise options of one network, kept for the current minute.

Every checkout in the same minute asks the same questions (when does DC-PARIS ship, when is
ST-LYON-02 ready), and each costs a few time-zone conversions, so each is worked out once a
minute:
- ship dates depend on the minute alone (cut-offs are whole minutes), so they are exact;
- a store's own pick-ready time is worked out from the end of the current minute: at most a
  minute later than exact, never earlier (a promise must not be early);
- delivery and transfer dates follow from ship dates and transit days.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

from oms.promise import (
    FRENCH_HOLIDAYS,
    STANDARD,
    CarrierService,
    pickup_ready_at,
    ship_date,
    transfer_ready_at,
)
from oms.promise.carriers import arrival_date
from oms.sourcing.network import Network

MINUTE = timedelta(minutes=1)
MINUTES_KEPT = 8  # the current minute and a few others (callers passing their own clock)


class MinuteDates:
    """The calendar answers of one minute, each worked out on first use."""

    def __init__(self, network: Network, minute: datetime) -> None:
        self.network = network
        self.minute = minute
        self._ships: dict[int, date] = {}
        self._ready: dict[int, datetime] = {}
        self._arrivals: dict[tuple[int, str, int], date] = {}
        self._transfers: dict[tuple[int, int], datetime] = {}

    def ship_date(self, n: int) -> date:
        found = self._ships.get(n)
        if found is None:
            found = self._ships[n] = ship_date(self.network.nodes[n].calendar, self.minute)
        return found

    def pick_ready(self, store: int) -> datetime:
        found = self._ready.get(store)
        if found is None:
            cal = self.network.nodes[store].calendar
            found = self._ready[store] = pickup_ready_at(cal, self.minute + MINUTE)
        return found

    def delivery(self, n: int, service: CarrierService, km: float) -> date:
        key = (n, service.name, service.transit_days(km))
        found = self._arrivals.get(key)
        if found is None:
            leaves = self.ship_date(n)
            found = arrival_date(service, leaves, key[2], FRENCH_HOLIDAYS)
            self._arrivals[key] = found
        return found

    def transfer_ready(self, source: int, store: int) -> datetime:
        key = (source, store)
        found = self._transfers.get(key)
        if found is None:
            days = STANDARD.transit_days(self.network.km_between(source, store))
            cal = self.network.nodes[store].calendar
            found = transfer_ready_at(cal, self.ship_date(source), days)
            self._transfers[key] = found
        return found


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
        minute = now.replace(second=0, microsecond=0)
        found = self._minutes.get(minute)
        if found is None:
            with self._lock:
                if len(self._minutes) >= MINUTES_KEPT:
                    self._minutes.clear()
                found = self._minutes.setdefault(minute, MinuteDates(self.network, minute))
        self._latest = found
        return found
