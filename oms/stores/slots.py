"""Pickup slots: a store publishes windows with a capacity; reservations and orders book them.

Booking is one guarded update (``booked < capacity``), so two checkouts can never overbook."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.inventory.errors import UnknownNode
from oms.inventory.model import Node
from oms.stores.model import PickupSlot


class SlotFull(ConflictError):
    code = "slot_full"


def create_slot(
    session: Session, node_id: str, starts_at: datetime, ends_at: datetime, capacity: int
) -> PickupSlot:
    node = session.get(Node, node_id)
    if node is None:
        raise UnknownNode(node_id)
    problems = []
    if not node.can_pickup:
        problems.append(f'node: "{node_id}" does not take pickups')
    if ends_at <= starts_at:
        problems.append("ends_at: must be after starts_at")
    if capacity < 1:
        problems.append("capacity: must be >= 1")
    if problems:
        raise ValidationError(problems)
    taken = session.scalar(
        select(PickupSlot.id).where(
            PickupSlot.node_id == node_id, PickupSlot.starts_at == starts_at
        )
    )
    if taken is not None:
        raise ConflictError(f'node "{node_id}" already has a slot starting {starts_at.isoformat()}')
    slot = PickupSlot(
        id="SL-" + uuid.uuid4().hex[:10].upper(),
        node_id=node_id,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        booked=0,
    )
    session.add(slot)
    session.flush()
    return slot


def list_slots(session: Session, node_id: str, since: datetime | None = None) -> list[PickupSlot]:
    if session.get(Node, node_id) is None:
        raise UnknownNode(node_id)
    stmt = select(PickupSlot).where(PickupSlot.node_id == node_id)
    if since is not None:
        stmt = stmt.where(PickupSlot.ends_at > since)
    return list(session.scalars(stmt.order_by(PickupSlot.starts_at)))


def book(session: Session, slot_id: str, node_id: str | None) -> PickupSlot:
    """Take one place in the slot, which must be at ``node_id`` (the pickup store)."""
    slot = session.get(PickupSlot, slot_id)
    if slot is None:
        raise NotFoundError(f'pickup slot "{slot_id}" does not exist')
    if slot.node_id != node_id:
        raise ValidationError([f'slot_id: slot "{slot_id}" is at {slot.node_id}, not {node_id}'])
    done = session.execute(
        update(PickupSlot)
        .where(PickupSlot.id == slot_id, PickupSlot.booked < PickupSlot.capacity)
        .values(booked=PickupSlot.booked + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise SlotFull(f'pickup slot "{slot_id}" is full ({slot.capacity} booked)')
    session.refresh(slot)
    return slot


def free(session: Session, slot_id: str | None) -> None:
    """Give a booked place back (a released reservation, a cancelled or expired order)."""
    if slot_id is None:
        return
    session.execute(
        update(PickupSlot)
        .where(PickupSlot.id == slot_id, PickupSlot.booked > 0)
        .values(booked=PickupSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
