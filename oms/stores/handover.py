"""The pickup counter: ready orders waiting for their customers (the most urgent first, the
overdue flagged), handing one over (checked by its pickup code, or by the order number and the
customer's name; lines the customer refuses go back to stock and are refunded), and expired
pickups whose units go back on the shelf (queued when they expire, off the list once put back).

An order becomes ready, with its pickup code sent to the customer, in ``fulfilment`` when its
last unit reaches the store (its pick confirmed there, or its transfer delivered)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from oms.domain.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    OmsError,
    ValidationError,
)
from oms.domain.events import HandedOver, PickupExpired, PickupReshelved
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import Order
from oms.orders.queries import get_order
from oms.orders.views import OrderView, order_view
from oms.stores import fulfilment
from oms.stores.counter_model import PickupToReshelve
from oms.stores.counter_ports import CounterUnitOfWork
from oms.stores.pickup_codes import check_pickup_code
from oms.stores.shipments import live_lines

BY_CODE, BY_NAME = "pickup_code", "name"


class CustomerNameMismatch(OmsError):
    """The name given at handover is not the order's customer's: nothing is handed over."""

    code = "customer_name_mismatch"


@dataclass(frozen=True)
class ShelfLine:
    """Units of one SKU for the order, and where they sit in the store."""

    sku: str
    name: str
    qty: int
    bin: str | None
    line_id: str | None = None


@dataclass(frozen=True)
class ReadyPickup:
    """``due_at``: the end of its pickup slot, or else of its hold; ``overdue`` once past."""

    order_id: str
    customer_name: str | None
    ready_at: datetime | None
    expires_at: datetime | None
    slot_starts_at: datetime | None
    slot_ends_at: datetime | None
    due_at: datetime | None
    overdue: bool
    lines: list[ShelfLine]


@dataclass(frozen=True)
class ExpiredPickup:
    order_id: str
    customer_name: str | None
    expired_at: datetime | None
    lines: list[ShelfLine]


def ready_pickups(
    uow: CounterUnitOfWork, node_id: str, now: datetime | None = None
) -> list[ReadyPickup]:
    """The store's ready orders by pickup slot, else by the end of their hold."""
    now = now or datetime.now(UTC)
    ready = uow.orders.list_by(pickup_node=node_id, status=OrderStatus.READY_FOR_PICKUP)
    found = [_ready(uow, order, now) for order in ready]
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda p: (p.slot_starts_at or p.due_at or far, p.order_id))


def hand_over(
    uow: CounterUnitOfWork,
    node_id: str,
    order_id: str,
    *,
    pickup_code: str | None = None,
    customer_name: str | None = None,
    refused: Sequence[str] = (),
    now: datetime | None = None,
) -> OrderView:
    """The customer takes a ready order at the counter: checked by the pickup code, or by the
    order number and their name (accents and case aside), and collects all but ``refused``."""
    order = get_order(uow, order_id)
    _require_pickup_here(order, node_id)
    if order.status is not OrderStatus.READY_FOR_PICKUP:
        raise ConflictError(f'order "{order_id}" is {order.status.value}, not ready for pickup')
    verified_by = _verify(order, pickup_code, customer_name)
    refunds = fulfilment.collect_refusing(uow, order, refused, now or datetime.now(UTC))
    uow.emit(
        HandedOver(
            order_id=order.id,
            store=node_id,
            verified_by=verified_by,
            refused=list(dict.fromkeys(refused)),
            refunds=refunds,
        )
    )
    view = order_view(uow, order)
    uow.commit()
    return view


def queue_for_reshelving(event: PickupExpired, uow: CounterUnitOfWork) -> None:
    """An expired pickup's units wait at the counter: on the store's list until put back."""
    order = uow.orders.get(event.order_id)
    assert order.pickup_node is not None
    expired_at = order.expires_at or datetime.now(UTC)
    uow.pickups_to_reshelve.add(
        PickupToReshelve(
            order_id=order.id,
            node_id=order.pickup_node,
            expired_at=expired_at,
            released=[list(r) for r in event.released],
        )
    )


def expired_pickups(uow: CounterUnitOfWork, node_id: str) -> list[ExpiredPickup]:
    """The store's expired pickups whose units are not back on the shelf yet, oldest first."""
    waiting = uow.pickups_to_reshelve.list_by(node_id=node_id, order_by=("expired_at", "order_id"))
    return [_expired(uow, row) for row in waiting]


def reshelve(uow: CounterUnitOfWork, node_id: str, order_id: str) -> ExpiredPickup:
    """The associate put an expired pickup's units back on the shelf (their stock was given
    back when it expired): recorded, and off the list."""
    order = get_order(uow, order_id)
    _require_pickup_here(order, node_id)
    waiting = uow.pickups_to_reshelve.find(order_id)
    if waiting is None:
        raise ConflictError(f'order "{order_id}" has no units waiting to go back on the shelf')
    found = _expired(uow, waiting)
    uow.pickups_to_reshelve.remove(waiting)
    lines: list[list[Any]] = [[ln.sku, ln.qty, ln.bin] for ln in found.lines]
    uow.emit(PickupReshelved(order_id=order.id, store=node_id, lines=lines))
    uow.commit()
    return found


def folded(name: str) -> str:
    """A name as compared at the counter: no accents, no case, single spaces."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _verify(order: Order, pickup_code: str | None, customer_name: str | None) -> str:
    if pickup_code is not None and pickup_code.strip():
        check_pickup_code(order.id, order.pickup_code, pickup_code)
        return BY_CODE
    if customer_name is not None and customer_name.strip():
        expected = folded(order.customer_name or "")
        if not expected or folded(customer_name) != expected:
            raise CustomerNameMismatch(f'customer_name: not the customer of order "{order.id}"')
        return BY_NAME
    raise ValidationError(["give the pickup code, or the customer's name with the order number"])


def _require_pickup_here(order: Order, node_id: str) -> None:
    if order.pickup_node is None:
        raise NotFoundError(f'order "{order.id}" is not a pickup order')
    if order.pickup_node != node_id:
        raise ForbiddenError(f'order "{order.id}" is collected at {order.pickup_node}')


def _ready(uow: CounterUnitOfWork, order: Order, now: datetime) -> ReadyPickup:
    slot = uow.slots.find(order.slot_id) if order.slot_id is not None else None
    due = slot.ends_at if slot is not None else order.expires_at
    return ReadyPickup(
        order_id=order.id,
        customer_name=order.customer_name,
        ready_at=order.ready_at,
        expires_at=order.expires_at,
        slot_starts_at=slot.starts_at if slot is not None else None,
        slot_ends_at=due if slot is not None else None,
        due_at=due,
        overdue=due is not None and due < now,
        lines=_held_lines(uow, order),
    )


def _held_lines(uow: CounterUnitOfWork, order: Order) -> list[ShelfLine]:
    assert order.pickup_node is not None
    found = []
    for ln in live_lines(uow, order):
        units = sum(a.qty for a in uow.allocations.list_by(order_line_id=ln.id))
        found.append(_shelf_line(uow, order.pickup_node, ln.sku_id, units, ln.id))
    return found


def _expired(uow: CounterUnitOfWork, waiting: PickupToReshelve) -> ExpiredPickup:
    """Its units as its expiry gave them back, with their bins at the store."""
    order = uow.orders.get(waiting.order_id)
    return ExpiredPickup(
        order_id=order.id,
        customer_name=order.customer_name,
        expired_at=waiting.expired_at,
        lines=[
            _shelf_line(uow, waiting.node_id, str(sku), int(qty))
            for _, sku, qty in waiting.released
        ],
    )


def _shelf_line(
    uow: CounterUnitOfWork, node_id: str, sku_id: str, qty: int, line_id: str | None = None
) -> ShelfLine:
    sku = uow.skus.find(sku_id)
    item = uow.stock.item(node_id, sku_id)
    return ShelfLine(
        sku=sku_id,
        name=sku.name if sku is not None else sku_id,
        qty=qty,
        bin=item.bin_location if item is not None else None,
        line_id=line_id,
    )
