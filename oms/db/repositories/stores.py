"""Repositories of the stores context (picks, pickup slots) and of notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from oms.db import tables
from oms.db.repositories.base import SqlRepository
from oms.notifications.model import Notification
from oms.stores.model import Pick, PickLine, PickRejection, PickupSlot


class SqlPicks(SqlRepository[Pick]):
    entity = Pick


class SqlSlots(SqlRepository[PickupSlot]):
    entity = PickupSlot

    def take_place(self, slot_id: str) -> bool:
        """One place more booked, in one guarded update (``booked < capacity``): two checkouts
        can never overbook. False when the slot is full."""
        c = tables.pickup_slots.c
        done = self.session.execute(
            update(PickupSlot)
            .where(c.id == slot_id, c.booked < c.capacity)
            .values(booked=c.booked + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        slot = self.session.get(PickupSlot, slot_id)  # the session's copy, if loaded
        if slot is not None:
            self.session.refresh(slot)
        return True

    def give_back(self, slot_id: str) -> None:
        """One booked place less (never below none)."""
        c = tables.pickup_slots.c
        self.session.execute(
            update(PickupSlot)
            .where(c.id == slot_id, c.booked > 0)
            .values(booked=c.booked - 1)
            .execution_options(synchronize_session=False)
        )


class SqlNotifications(SqlRepository[Notification]):
    entity = Notification


class SqlPickLines(SqlRepository[PickLine]):
    entity = PickLine


class SqlPickRejections(SqlRepository[PickRejection]):
    entity = PickRejection

    def tally(self, since: datetime) -> list[tuple[str, str, str, int, int]]:
        c = tables.pick_rejections.c
        keys = (c.reason, c.sku_id, c.node_id)
        stmt = (
            select(*keys, func.count(), func.sum(c.qty))
            .where(c.created_at >= since)
            .group_by(*keys)
            .order_by(*keys)
        )
        return [(r, s, n, int(k), int(u)) for r, s, n, k, u in self.session.execute(stmt)]
