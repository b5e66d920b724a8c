"""The store counter's rows: parcels of shipments, expired pickups to put back on the shelf."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
from oms.stores.counter_model import Parcel, PickupToReshelve


class SqlParcels(SqlRepository[Parcel]):
    entity = Parcel


class SqlPickupsToReshelve(SqlRepository[PickupToReshelve]):
    entity = PickupToReshelve
