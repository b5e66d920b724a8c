"""What the store counter (pack and ship, pickups and handover) needs beyond the stores
context's unit of work: the parcels of shipments, the expired pickups to put back on the shelf,
and the catalogue's SKUs by id (product names on the slip and the queues)."""

from __future__ import annotations

from typing import Protocol

from oms.domain.ports import Repository
from oms.inventory.model import Sku
from oms.stores.counter_model import Parcel, PickupToReshelve
from oms.stores.ports import Skus, StoresUnitOfWork


class SkuCatalogue(Skus, Repository[Sku], Protocol):
    pass


class PickupsToReshelve(Repository[PickupToReshelve], Protocol):
    def remove(self, entity: PickupToReshelve) -> None: ...


class CounterUnitOfWork(StoresUnitOfWork, Protocol):
    @property
    def skus(self) -> SkuCatalogue: ...

    @property
    def parcels(self) -> Repository[Parcel]: ...

    @property
    def pickups_to_reshelve(self) -> PickupsToReshelve: ...
