"""The parcels of shipments, in memory."""

from __future__ import annotations

from oms.stores.parcels import Parcel
from tests.fakes.base import FakeRepository


class FakeParcels(FakeRepository[Parcel]):
    entity = Parcel
    key = ("shipment_id", "parcel_no")
