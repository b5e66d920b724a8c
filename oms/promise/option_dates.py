"""Calendar answers for the promise options of one network, kept for the current minute.

Every checkout in the same minute asks the same questions (when does DC-PARIS ship, when is
ST-LYON-02 ready), and each costs a few time-zone conversions, so each is worked out once:
- ship dates depend on the minute alone (cut-offs are whole minutes), so they are exact;
- a store's own pick-ready time is worked out from the end of the current minute: at most a
  minute later than exact, never earlier (a promise must not be early);
- transfer and delivery dates are functions of dates alone and kept across minutes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from oms.promise import (
    FRENCH_HOLIDAYS,
    STANDARD,
    CarrierService,
    NodeCalendar,
    pickup_ready_at,
    ship_date,
    transfer_ready_at,
)
from oms.promise.carriers import arrival_date
from oms.sourcing.network import Network

MINUTE = timedelta(minutes=1)
MAX_ENTRIES = 50_000  # beyond this (many minutes x nodes), start over


class OptionDates:
    def __init__(self, network: Network) -> None:
        self.network = network
        self._ships: dict[tuple[int, datetime], date] = {}
        self._ready: dict[tuple[int, datetime], datetime] = {}

    def ship_date(self, n: int, now: datetime) -> date:
        key = (n, _minute(now))
        found = self._ships.get(key)
        if found is None:
            if len(self._ships) > MAX_ENTRIES:
                self._ships.clear()
            found = self._ships[key] = ship_date(self.network.nodes[n].calendar, key[1])
        return found

    def pick_ready(self, store: int, now: datetime) -> datetime:
        key = (store, _minute(now))
        found = self._ready.get(key)
        if found is None:
            if len(self._ready) > MAX_ENTRIES:
                self._ready.clear()
            cal = self.network.nodes[store].calendar
            found = self._ready[key] = pickup_ready_at(cal, key[1] + MINUTE)
        return found

    def delivery(self, n: int, service: CarrierService, km: float, now: datetime) -> date:
        days = service.transit_days(km)
        return _delivery(service, self.ship_date(n, now), days)

    def transfer_ready(self, source: int, store: int, now: datetime) -> datetime:
        days = STANDARD.transit_days(self.network.km_between(source, store))
        cal = self.network.nodes[store].calendar
        return _transfer_ready(cal, self.ship_date(source, now), days)


def _minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0)


@lru_cache(maxsize=4096)
def _delivery(service: CarrierService, leaves: date, transit_days: int) -> date:
    return arrival_date(service, leaves, transit_days, FRENCH_HOLIDAYS)


@lru_cache(maxsize=4096)
def _transfer_ready(cal: NodeCalendar, leaves: date, transit_days: int) -> datetime:
    return transfer_ready_at(cal, leaves, transit_days)
