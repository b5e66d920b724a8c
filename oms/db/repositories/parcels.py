"""The parcels of shipments (``shipment_parcels``)."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
from oms.stores.parcels import Parcel


class SqlParcels(SqlRepository[Parcel]):
    entity = Parcel
