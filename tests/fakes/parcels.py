"""The store counter's rows in memory: parcels of shipments, pickups to put back."""

from __future__ import annotations

from oms.stores.counter_model import Parcel, PickupToReshelve
from tests.fakes.base import FakeRepository


class FakeParcels(FakeRepository[Parcel]):
    entity = Parcel
    key = ("shipment_id", "parcel_no")


class FakePickupsToReshelve(FakeRepository[PickupToReshelve]):
    entity = PickupToReshelve
    key = ("order_id",)
