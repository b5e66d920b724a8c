"""What the store reads of an order's shipments: the units each carries, line by line."""

from __future__ import annotations

from typing import NamedTuple

from oms.orders.model import Order, OrderLine, OrderLineStatus, Shipment
from oms.stores.ports import StoresUnitOfWork


class Units(NamedTuple):
    """Units of one order line in a shipment (one allocation, with the line's SKU)."""

    order_line_id: str
    sku_id: str
    qty: int


def shipment_units(uow: StoresUnitOfWork, shipment: Shipment) -> list[Units]:
    """The shipment's allocations of lines not cancelled, oldest first: a cancelled line's
    units went back to stock when it was cancelled, so nothing ships, receives, collects or
    releases them again. (Lines already read in the transaction cost no second read: callers
    that work on a whole order read its lines first.)"""
    allocations = uow.allocations.list_by(shipment_id=shipment.id, order_by="id")
    lines = {a.order_line_id: uow.order_lines.get(a.order_line_id) for a in allocations}
    return [
        Units(a.order_line_id, lines[a.order_line_id].sku_id, a.qty)
        for a in allocations
        if lines[a.order_line_id].status is not OrderLineStatus.CANCELLED
    ]


def shipment_rows(
    uow: StoresUnitOfWork, shipment: Shipment, node: str | None = None
) -> list[tuple[str, str, int]]:
    """The shipment's units as ledger rows (node, sku, qty): at its node, or at ``node``
    (the pickup store a transfer reached)."""
    at = node or shipment.node_id
    return [(at, u.sku_id, u.qty) for u in shipment_units(uow, shipment)]


def live_lines(uow: StoresUnitOfWork, order: Order) -> list[OrderLine]:
    """The order's lines not cancelled."""
    lines = uow.order_lines.list_by(order_id=order.id)
    return [ln for ln in lines if ln.status is not OrderLineStatus.CANCELLED]
