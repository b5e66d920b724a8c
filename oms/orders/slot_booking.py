"""A reservation's place in a pickup slot: booked with its units, given back when it ends
unconverted. (The store publishes the slots, oms.stores.slots; once the reservation is an order,
the place is the order's, and the store gives it back when the order is cancelled or expires.)

Booking is one guarded update (``booked < capacity``), so two checkouts can never overbook."""

from __future__ import annotations

from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.orders.ports import Slots


class SlotFull(ConflictError):
    code = "slot_full"


def book_slot(slots: Slots, slot_id: str, store: str | None) -> None:
    """Take one place in the slot, which must be at ``store`` (the pickup store)."""
    slot = slots.find(slot_id)
    if slot is None:
        raise NotFoundError(f'pickup slot "{slot_id}" does not exist')
    if slot.node_id != store:
        raise ValidationError([f'slot_id: slot "{slot_id}" is at {slot.node_id}, not {store}'])
    if not slots.take_place(slot_id):
        raise SlotFull(f'pickup slot "{slot_id}" is full ({slot.capacity} booked)')


def free_slot(slots: Slots, slot_id: str | None) -> None:
    """Give a booked place back (none booked: nothing to do)."""
    if slot_id is not None:
        slots.give_back(slot_id)
