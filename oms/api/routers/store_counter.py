"""The store counter over JSON: shipments to pack, their packing slip data and shipping in
parcels; ready pickups, handover, and expired pickups put back on the shelf. The pages
(``store_counter_pages``) call the same services."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.counter_schemas import (
    ExpiredPickupOut,
    HandoverIn,
    PackLineOut,
    ParcelOut,
    ReadyPickupOut,
    ShelfLineOut,
    ShipParcelsIn,
    ShippedInParcelsOut,
    ToPackOut,
)
from oms.api.deps import PrincipalDep, UowDep
from oms.api.fields import NodeId, OrderId, ShipmentId
from oms.api.responses import KEYED, errors
from oms.api.routers.orders import order_out
from oms.api.schemas import OrderOut
from oms.stores import handover, packing

router = APIRouter(prefix="/v1/stores", tags=["stores"], responses=errors(*KEYED, 404, 409))


@router.get("/{node_id}/pack")
def to_pack(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[ToPackOut]:
    """The store's picked shipments that leave it (to customers, or transfers to a pickup
    store), the most urgent first."""
    _allowed(who, node_id)
    return [to_pack_out(p) for p in packing.to_pack(uow, node_id)]


@router.post("/{node_id}/shipments/{shipment_id}/ship")
def ship_in_parcels(
    node_id: NodeId, shipment_id: ShipmentId, body: ShipParcelsIn, uow: UowDep, who: PrincipalDep
) -> ShippedInParcelsOut:
    """The shipment leaves in these parcels; its tracking number is the first parcel's, and the
    customer is told it shipped."""
    _allowed(who, node_id)
    specs = [packing.ParcelSpec(p.carrier, p.tracking, p.weight_g) for p in body.parcels]
    done = packing.ship_in_parcels(uow, node_id, shipment_id, specs)
    return ShippedInParcelsOut(
        order=order_out(done.order),
        parcels=[
            ParcelOut(
                parcel_no=p.parcel_no, carrier=p.carrier, tracking=p.tracking, weight_g=p.weight_g
            )
            for p in done.parcels
        ],
    )


@router.get("/{node_id}/pickups")
def ready_pickups(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[ReadyPickupOut]:
    """Ready orders by pickup slot, else by the end of their hold; ``overdue`` once past it."""
    _allowed(who, node_id)
    return [ready_out(p) for p in handover.ready_pickups(uow, node_id)]


@router.post("/{node_id}/orders/{order_id}/handover")
def hand_over(
    node_id: NodeId, order_id: OrderId, body: HandoverIn, uow: UowDep, who: PrincipalDep
) -> OrderOut:
    """Hand a ready order to its customer, checked by the pickup code (422
    ``pickup_code_mismatch``) or by their name (422 ``customer_name_mismatch``); lines in
    ``refused`` go back to stock and are refunded."""
    _allowed(who, node_id)
    view = handover.hand_over(
        uow,
        node_id,
        order_id,
        pickup_code=body.pickup_code,
        customer_name=body.customer_name,
        refused=body.refused,
    )
    return order_out(view)


@router.get("/{node_id}/pickups/expired")
def expired_pickups(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[ExpiredPickupOut]:
    """Expired pickups whose units are still to go back on the shelf, with their bins."""
    _allowed(who, node_id)
    return [expired_out(p) for p in handover.expired_pickups(uow, node_id)]


@router.post("/{node_id}/orders/{order_id}/reshelved")
def reshelved(
    node_id: NodeId, order_id: OrderId, uow: UowDep, who: PrincipalDep
) -> ExpiredPickupOut:
    """An expired pickup's units are back on the shelf: recorded, and off the list."""
    _allowed(who, node_id)
    return expired_out(handover.reshelve(uow, node_id, order_id))


def _allowed(who: PrincipalDep, node_id: str) -> None:
    who.require(ApiRole.STORE)
    who.require_node(node_id)


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def to_pack_out(p: packing.ToPack) -> ToPackOut:
    return ToPackOut(
        shipment_id=p.shipment_id,
        order_id=p.order_id,
        customer_name=p.customer_name,
        ordered_at=p.ordered_at.isoformat(),
        promised_at=_when(p.promised_at),
        ship_to_store=p.ship_to_store,
        lines=[PackLineOut(**vars(ln)) for ln in p.lines],
    )


def ready_out(p: handover.ReadyPickup) -> ReadyPickupOut:
    return ReadyPickupOut(
        order_id=p.order_id,
        customer_name=p.customer_name,
        ready_at=_when(p.ready_at),
        expires_at=_when(p.expires_at),
        slot_starts_at=_when(p.slot_starts_at),
        slot_ends_at=_when(p.slot_ends_at),
        due_at=_when(p.due_at),
        overdue=p.overdue,
        lines=[ShelfLineOut(**vars(ln)) for ln in p.lines],
    )


def expired_out(p: handover.ExpiredPickup) -> ExpiredPickupOut:
    return ExpiredPickupOut(
        order_id=p.order_id,
        customer_name=p.customer_name,
        expired_at=_when(p.expired_at),
        lines=[ShelfLineOut(**vars(ln)) for ln in p.lines],
    )
