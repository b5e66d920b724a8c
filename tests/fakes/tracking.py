"""The fake of the shipments' tracking histories."""

from __future__ import annotations

from oms.orders.tracking import TrackingEvent
from tests.fakes.base import FakeRepository


class FakeTrackingEvents(FakeRepository[TrackingEvent]):
    entity = TrackingEvent
