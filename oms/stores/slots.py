"""Pickup slots: a store publishes windows with a capacity; reservations book them
(oms.orders.slot_booking), and the store gives a place back when an order no longer needs it
(cancelled, or not collected in time)."""

from __future__ import annotations

import uuid
from datetime import datetime

from oms.domain.errors import ConflictError, ValidationError
from oms.stores.model import PickupSlot
from oms.stores.ports import StoresUnitOfWork


def create_slot(
    uow: StoresUnitOfWork, node_id: str, starts_at: datetime, ends_at: datetime, capacity: int
) -> PickupSlot:
    """Publish a slot at a pickup store (one per start time) and commit."""
    node = uow.nodes.get(node_id)
    problems = []
    if not node.can_pickup:
        problems.append(f'node: "{node_id}" does not take pickups')
    if ends_at <= starts_at:
        problems.append("ends_at: must be after starts_at")
    if capacity < 1:
        problems.append("capacity: must be >= 1")
    if problems:
        raise ValidationError(problems)
    if uow.slots.list_by(node_id=node_id, starts_at=starts_at):
        raise ConflictError(f'node "{node_id}" already has a slot starting {starts_at.isoformat()}')
    slot = PickupSlot(
        id="SL-" + uuid.uuid4().hex[:10].upper(),
        node_id=node_id,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        booked=0,
    )
    uow.slots.add(slot)
    uow.commit()
    return slot


def list_slots(uow: StoresUnitOfWork, node_id: str) -> list[PickupSlot]:
    """The store's slots, earliest first."""
    uow.nodes.get(node_id)  # UnknownNode
    return uow.slots.list_by(node_id=node_id, order_by="starts_at")
