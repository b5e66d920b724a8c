"""The repository of shipments' tracking histories."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
from oms.orders.tracking import TrackingEvent


class SqlTrackingEvents(SqlRepository[TrackingEvent]):
    entity = TrackingEvent
