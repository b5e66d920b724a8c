"""Repositories of the stores context (picks, pickup slots) and of notifications."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
from oms.notifications.model import Notification
from oms.stores.model import Pick, PickLine, PickupSlot


class SqlPicks(SqlRepository[Pick]):
    entity = Pick


class SqlSlots(SqlRepository[PickupSlot]):
    entity = PickupSlot


class SqlNotifications(SqlRepository[Notification]):
    entity = Notification


class SqlPickLines(SqlRepository[PickLine]):
    entity = PickLine
