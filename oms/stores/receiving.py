"""Incoming transfers (ship-to-store): the shipments on their way to a pickup store, and the
store's count when one arrives.

Receiving records what was counted, line by line (``TransferReceiptLine``), then the transfer
arrives through the one existing path (``fulfilment.mark_delivered``: the units are counted at
the store and held for the order; the order is ready for pickup when its last shipment is there,
and the notifications context tells the customer on ``ReadyForPickup``). Differences:

- Under: the missing units never reached the store (lost or left behind on the way). They leave
  the shipment's allocation, and the short-pick machinery sources them again from the other
  nodes (the store itself included, never the node that shipped them); what no node has is
  cancelled and refunded (``short_picks.resource_units``). This runs before the arrival, so the
  order is not ready while re-sourced units are still to come.
- Over: the extra units are on the store's shelf: received into its stock (ATP), with the
  shipment as their reference, and not held for the order (it asked for no more).

Lines are counted by order line of the shipment; every line must be counted. An over-receipt of
a SKU the shipment does not carry is not taken here: it goes in through a stock receipt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from oms.domain.errors import ConflictError, ValidationError
from oms.domain.events import TransferReceived
from oms.domain.limits import MAX_LINE_QTY
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, Order, Shipment, ShipmentStatus
from oms.orders.queries import get_order, require_own_store
from oms.orders.views import OrderView, order_view
from oms.promise.service import NetworkCache
from oms.stores import fulfilment
from oms.stores.receipts import ReceivingUnitOfWork, TransferReceiptLine
from oms.stores.shipments import Units, shipment_units
from oms.stores.short_picks import Missing, resource_units

# The statuses of a pickup order with a transfer still on its way (not ready, not done).
IN_TRANSIT_ORDER = (OrderStatus.ALLOCATED, OrderStatus.PICKING)
UNDER_REASON = "transfer short: no node can supply"


@dataclass(frozen=True)
class IncomingTransfer:
    """A shipment on its way to the store, with the units it carries."""

    shipment_id: str
    order_id: str
    from_node: str
    shipped_at: datetime | None
    tracking: str | None
    carrier: str | None
    lines: list[Units]


@dataclass(frozen=True)
class TransferReceipt:
    """What the store counted, and the order after it."""

    shipment_id: str
    store: str
    lines: list[TransferReceiptLine]
    order: OrderView


def incoming_transfers(uow: ReceivingUnitOfWork, store: str) -> list[IncomingTransfer]:
    """The transfers shipped to ``store`` for its pickup orders and not arrived yet, oldest
    shipped first."""
    orders = uow.orders.list_by(
        pickup_node=store, method=DeliveryMethod.PICKUP, status=list(IN_TRANSIT_ORDER)
    )
    found = [
        _incoming(uow, s)
        for order in orders
        for s in uow.shipments.list_by(order_id=order.id, status=ShipmentStatus.SHIPPED)
        if s.node_id != store
    ]
    return sorted(found, key=lambda t: (t.shipped_at is None, t.shipped_at, t.shipment_id))


def _incoming(uow: ReceivingUnitOfWork, shipment: Shipment) -> IncomingTransfer:
    return IncomingTransfer(
        shipment_id=shipment.id,
        order_id=shipment.order_id,
        from_node=shipment.node_id,
        shipped_at=shipment.shipped_at,
        tracking=shipment.tracking,
        carrier=shipment.carrier,
        lines=shipment_units(uow, shipment),
    )


def receive_transfer(
    uow: ReceivingUnitOfWork,
    cache: NetworkCache,
    shipment_id: str,
    counts: Mapping[str, int],
    *,
    store: str | None,
    now: datetime | None = None,
) -> TransferReceipt:
    """The store counts a transfer that reached it: ``counts`` maps each order line of the
    shipment to the units received. ``store``: a store key's node (the order's pickup store)."""
    now = now or datetime.now(UTC)
    shipment = uow.shipments.get(shipment_id)
    order = get_order(uow, shipment.order_id)
    pickup = _transfer_store(order, shipment)
    require_own_store(store, pickup)
    units = shipment_units(uow, shipment)
    lines = _receipt_lines(shipment, pickup, units, counts, now)
    for line in lines:
        uow.receipt_lines.add(line)
    _emit(uow, order, shipment, pickup, lines)
    _take_extra_units(uow, shipment, lines)
    _resource_missing_units(uow, cache, order, shipment, lines, now)
    if shipment.status is ShipmentStatus.SHIPPED:  # not when nothing is left of the order
        fulfilment.mark_delivered(uow, order, shipment, now)
    view = order_view(uow, order)
    uow.commit()
    return TransferReceipt(shipment.id, pickup, lines, view)


def _transfer_store(order: Order, shipment: Shipment) -> str:
    """The pickup store a shipped transfer is on its way to."""
    store = order.pickup_node
    if order.method is not DeliveryMethod.PICKUP or store is None or shipment.node_id == store:
        raise ConflictError(f'shipment "{shipment.id}" is not a transfer to a pickup store')
    if shipment.status is not ShipmentStatus.SHIPPED:
        raise ConflictError(f'shipment "{shipment.id}" is {shipment.status.value}, not shipped')
    return store


def _receipt_lines(
    shipment: Shipment,
    store: str,
    units: list[Units],
    counts: Mapping[str, int],
    now: datetime,
) -> list[TransferReceiptLine]:
    """One row per line of the shipment, once every line is counted (every fault named)."""
    carried = {u.order_line_id for u in units}
    problems = [f'lines: "{k}" is not a line of this shipment' for k in counts if k not in carried]
    problems += [
        f'lines: line "{k}" is missing (count every line)' for k in sorted(carried - set(counts))
    ]
    problems += [
        f'lines: line "{k}" received must be between 0 and {MAX_LINE_QTY}, got {v}'
        for k, v in counts.items()
        if not 0 <= v <= MAX_LINE_QTY
    ]
    if problems:
        raise ValidationError(problems)
    return [
        TransferReceiptLine(
            shipment_id=shipment.id,
            order_line_id=u.order_line_id,
            order_id=shipment.order_id,
            node_id=store,
            sku_id=u.sku_id,
            expected=u.qty,
            received=counts[u.order_line_id],
            received_at=now,
        )
        for u in units
    ]


def _emit(
    uow: ReceivingUnitOfWork,
    order: Order,
    shipment: Shipment,
    store: str,
    lines: list[TransferReceiptLine],
) -> None:
    differences = [
        {
            "line": ln.order_line_id,
            "sku": ln.sku_id,
            "expected": ln.expected,
            "received": ln.received,
        }
        for ln in lines
        if ln.difference
    ]
    uow.emit(
        TransferReceived(
            order_id=order.id, shipment=shipment.id, store=store, differences=differences
        )
    )


def _take_extra_units(
    uow: ReceivingUnitOfWork, shipment: Shipment, lines: list[TransferReceiptLine]
) -> None:
    """Units over what the shipment carried are on the store's shelf: into its stock."""
    for ln in lines:
        if ln.difference > 0:
            uow.stock.receive(
                ln.node_id, ln.sku_id, ln.difference, ref=f"over-receipt {shipment.id}"
            )


def _resource_missing_units(
    uow: ReceivingUnitOfWork,
    cache: NetworkCache,
    order: Order,
    shipment: Shipment,
    lines: list[TransferReceiptLine],
    now: datetime,
) -> None:
    """Units that did not arrive leave the shipment and are sourced again (or refunded)."""
    wanted: list[Missing] = []
    for ln in lines:
        if ln.difference < 0:
            _shrink_allocation(uow, ln.order_line_id, shipment.id, -ln.difference)
            wanted.append((ln.order_line_id, ln.sku_id, -ln.difference))
    if wanted:
        resource_units(uow, cache, order, wanted, shipment.node_id, now, reason=UNDER_REASON)


def _shrink_allocation(
    uow: ReceivingUnitOfWork, line_id: str, shipment_id: str, units: int
) -> None:
    (alloc,) = uow.allocations.list_by(order_line_id=line_id, shipment_id=shipment_id)
    if alloc.qty == units:
        uow.allocations.remove(alloc)
    else:
        alloc.qty -= units
