"""Fakes of the stores context's repositories and of notifications."""

from __future__ import annotations

from oms.notifications.model import Notification
from oms.stores.model import Pick, PickLine, PickupSlot
from tests.fakes.base import FakeRepository


class FakePicks(FakeRepository[Pick]):
    entity = Pick


class FakeSlots(FakeRepository[PickupSlot]):
    entity = PickupSlot


class FakeNotifications(FakeRepository[Notification]):
    entity = Notification


class FakePickLines(FakeRepository[PickLine]):
    entity = PickLine
    key = ("pick_id", "order_line_id")
