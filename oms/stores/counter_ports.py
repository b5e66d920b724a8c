"""What the store counter (pack and ship, pickups and handover) needs beyond the stores
context's unit of work: the parcels of shipments, and the catalogue's SKUs by id (product
names on the packing slip)."""

from __future__ import annotations

from typing import Protocol

from oms.domain.ports import Repository
from oms.inventory.model import Sku
from oms.stores.parcels import Parcel
from oms.stores.ports import Skus, StoresUnitOfWork


class SkuCatalogue(Skus, Repository[Sku], Protocol):
    pass


class CounterUnitOfWork(StoresUnitOfWork, Protocol):
    @property
    def skus(self) -> SkuCatalogue: ...

    @property
    def parcels(self) -> Repository[Parcel]: ...
