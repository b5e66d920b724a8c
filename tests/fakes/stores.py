"""Fakes of the stores context's repositories and of notifications."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from oms.notifications.model import Notification
from oms.stores.model import Pick, PickLine, PickRejection, PickupSlot
from tests.fakes.base import FakeRepository


class FakePicks(FakeRepository[Pick]):
    entity = Pick


class FakeSlots(FakeRepository[PickupSlot]):
    entity = PickupSlot

    def take_place(self, slot_id: str) -> bool:
        slot = self.find(slot_id)
        if slot is None or slot.booked >= slot.capacity:
            return False
        slot.booked += 1
        return True

    def give_back(self, slot_id: str) -> None:
        slot = self.find(slot_id)
        if slot is not None and slot.booked > 0:
            slot.booked -= 1


class FakeNotifications(FakeRepository[Notification]):
    entity = Notification


class FakePickLines(FakeRepository[PickLine]):
    entity = PickLine
    key = ("pick_id", "order_line_id")


class FakePickRejections(FakeRepository[PickRejection]):
    entity = PickRejection

    def tally(self, since: datetime) -> list[tuple[str, str, str, int, int]]:
        lines: Counter[tuple[str, str, str]] = Counter()
        units: Counter[tuple[str, str, str]] = Counter()
        for r in self.rows.values():
            if r.created_at >= since:
                lines[(r.reason, r.sku_id, r.node_id)] += 1
                units[(r.reason, r.sku_id, r.node_id)] += r.qty
        return [(*k, n, units[k]) for k, n in sorted(lines.items())]
