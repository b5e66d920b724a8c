"""How the stores react to what happens to orders (registered in oms/handlers.py)."""

from __future__ import annotations

from oms.domain.events import LinesCancelled, OrderCancelled, Sourced
from oms.stores.pick_release import cancel_picks, release_picks
from oms.stores.ports import StoresUnitOfWork


def release_picks_of_sourced_order(event: Sourced, uow: StoresUnitOfWork) -> None:
    """Units placed at a store are work for it: a pick per shipment there."""
    release_picks(uow, uow.orders.get(event.order_id))


def withdraw_cancelled_lines_from_picks(
    event: OrderCancelled | LinesCancelled, uow: StoresUnitOfWork
) -> None:
    """Cancelled lines are not picked: they leave the open picks (an emptied pick is
    cancelled)."""
    cancel_picks(uow, event.order_id, event.lines)


def free_pickup_slot_of_cancelled_order(event: OrderCancelled, uow: StoresUnitOfWork) -> None:
    """A cancelled pickup order gives its place in the slot back."""
    slot_id = uow.orders.get(event.order_id).slot_id
    if slot_id is not None:
        uow.slots.give_back(slot_id)
