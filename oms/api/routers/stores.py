"""Store operations over JSON: pickup slots, open picks, pick confirmation, shipping."""

from __future__ import annotations

from fastapi import APIRouter, status

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep, store_scope
from oms.api.fields import NodeId, PickId, ShipmentId
from oms.api.responses import KEYED, errors
from oms.api.routers.orders import order_out
from oms.api.schemas import (
    OrderOut,
    PickConfirmedOut,
    PickConfirmIn,
    PickLineOut,
    PickOut,
    ShipIn,
    SlotIn,
    SlotOut,
)
from oms.stores import fulfilment, picks, slots
from oms.stores.model import PickupSlot

router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED, 404, 409))
STORE = ApiRole.STORE


@router.post("/stores/{node_id}/slots", status_code=status.HTTP_201_CREATED)
def create_slot(node_id: NodeId, body: SlotIn, uow: UowDep, who: PrincipalDep) -> SlotOut:
    who.require(STORE)
    who.require_node(node_id)
    return _slot(slots.create_slot(uow, node_id, body.starts_at, body.ends_at, body.capacity))


@router.get("/stores/{node_id}/slots")
def list_slots(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[SlotOut]:
    who.require(STORE, ApiRole.CHECKOUT)
    who.require_node(node_id)
    return [_slot(s) for s in slots.list_slots(uow, node_id)]


@router.get("/stores/{node_id}/picks")
def open_picks(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[PickOut]:
    who.require(STORE)
    who.require_node(node_id)
    return [_pick(p) for p in picks.open_picks(uow, node_id)]


@router.post("/picks/{pick_id}/confirm")
def confirm_pick(
    pick_id: PickId, body: PickConfirmIn, uow: UowDep, state: StateDep, who: PrincipalDep
) -> PickConfirmedOut:
    who.require(STORE)
    counts = {line.line_id: line.picked for line in body.lines}
    done = picks.confirm(uow, pick_id, counts, store=store_scope(who))
    return PickConfirmedOut(pick=_pick(done.pick), order=order_out(done.order))


@router.post("/shipments/{shipment_id}/ship")
def ship(shipment_id: ShipmentId, body: ShipIn, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require(STORE)
    return order_out(
        fulfilment.ship(
            uow, shipment_id, body.tracking, store=store_scope(who), carrier=body.carrier
        )
    )


@router.post("/shipments/{shipment_id}/deliver")
def deliver(shipment_id: ShipmentId, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require()  # carriers report deliveries through ops integrations
    return order_out(fulfilment.deliver(uow, shipment_id))


def _slot(s: PickupSlot) -> SlotOut:
    return SlotOut(
        id=s.id,
        node=s.node_id,
        starts_at=s.starts_at.isoformat(),
        ends_at=s.ends_at.isoformat(),
        capacity=s.capacity,
        booked=s.booked,
        remaining=s.capacity - s.booked,
    )


def _pick(p: picks.PickView) -> PickOut:
    return PickOut(
        id=p.id,
        order_id=p.order_id,
        shipment_id=p.shipment_id,
        node=p.node,
        status=p.status,
        created_at=p.created_at.isoformat(),
        lines=[PickLineOut(**vars(ln)) for ln in p.lines],
    )
