"""Picks released to a store as orders are sourced there (or re-sourced there after a short
pick elsewhere), and withdrawn line by line as the order's lines are cancelled."""

from __future__ import annotations

import uuid

from oms.domain.events import PickReleased
from oms.orders.model import Allocation, Order, Shipment, ShipmentStatus
from oms.stores.model import Pick, PickLine, PickStatus
from oms.stores.ports import StoresUnitOfWork
from oms.stores.shipments import shipment_units


def release_picks(uow: StoresUnitOfWork, order: Order) -> list[Pick]:
    """A pick for each of the order's open shipments at a store that has none yet."""
    shipments = uow.shipments.list_by(order_id=order.id, order_by="id")
    have = {p.shipment_id for p in uow.picks.list_by(order_id=order.id)}
    fresh = [s for s in shipments if s.status is ShipmentStatus.CREATED and s.id not in have]
    if not fresh:
        return []
    at_nodes = sorted({s.node_id for s in fresh})
    stores = {n.id for n in uow.nodes.list_by(id=at_nodes, kind="store")}
    return [_release(uow, order, s) for s in fresh if s.node_id in stores]


def _release(uow: StoresUnitOfWork, order: Order, shipment: Shipment) -> Pick:
    pick = Pick(
        id="PK-" + uuid.uuid4().hex[:10].upper(),
        order_id=order.id,
        shipment_id=shipment.id,
        node_id=shipment.node_id,
        status=PickStatus.OPEN,
    )
    uow.picks.add_now(pick)
    for units in shipment_units(uow, shipment):
        item = uow.stock.item(shipment.node_id, units.sku_id)
        line = PickLine(
            pick_id=pick.id,
            order_line_id=units.order_line_id,
            sku_id=units.sku_id,
            bin_location=item.bin_location if item else None,
            qty=units.qty,
        )
        uow.pick_lines.add(line)
    uow.emit(
        PickReleased(order_id=order.id, pick=pick.id, node=shipment.node_id, shipment=shipment.id)
    )
    return pick


def cancel_picks(uow: StoresUnitOfWork, order_id: str, line_ids: list[str]) -> None:
    """Cancelled lines leave the open picks; a pick with no line left is cancelled."""
    for pick in uow.picks.list_by(order_id=order_id, status=PickStatus.OPEN):
        lines = uow.pick_lines.list_by(pick_id=pick.id)
        for line in lines:
            if line.order_line_id in line_ids:
                uow.pick_lines.remove(line)
        if all(line.order_line_id in line_ids for line in lines):
            pick.status = PickStatus.CANCELLED


def take_off_shipment(
    uow: StoresUnitOfWork, alloc: Allocation, shipment_id: str, units: int
) -> None:
    """The units leave the allocation, the shipment's open pick (an emptied pick is cancelled)
    and an emptied shipment (cancelled): a stock sync below reserved, a re-optimisation."""
    if alloc.qty == units:
        uow.allocations.remove(alloc)
    else:
        alloc.qty -= units
    for pick in uow.picks.list_by(shipment_id=shipment_id, status=PickStatus.OPEN):
        lines = uow.pick_lines.list_by(pick_id=pick.id)
        for pl in lines:
            if pl.order_line_id == alloc.order_line_id:
                if pl.qty <= units:
                    uow.pick_lines.remove(pl)
                else:
                    pl.qty -= units
        if not uow.pick_lines.list_by(pick_id=pick.id):
            pick.status = PickStatus.CANCELLED
    if not uow.allocations.list_by(shipment_id=shipment_id):
        uow.shipments.get(shipment_id).status = ShipmentStatus.CANCELLED
