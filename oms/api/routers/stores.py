"""Store operations over JSON: pickup slots, open picks, pick confirmation, shipping."""

from __future__ import annotations

from fastapi import APIRouter, status

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.fields import NodeId, PickId, ShipmentId
from oms.api.responses import KEYED, errors
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
from oms.orders import service as orders
from oms.stores import fulfilment, picks, slots
from oms.stores.model import PickupSlot

router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED, 404, 409))
STORE = ApiRole.STORE


@router.post("/stores/{node_id}/slots", status_code=status.HTTP_201_CREATED)
def create_slot(node_id: NodeId, body: SlotIn, uow: UowDep, who: PrincipalDep) -> SlotOut:
    who.require(STORE)
    who.require_node(node_id)
    slot = slots.create_slot(uow.session, node_id, body.starts_at, body.ends_at, body.capacity)
    uow.commit()
    return _slot(slot)


@router.get("/stores/{node_id}/slots")
def list_slots(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[SlotOut]:
    who.require(STORE, ApiRole.CHECKOUT)
    who.require_node(node_id)
    return [_slot(s) for s in slots.list_slots(uow.session, node_id)]


@router.get("/stores/{node_id}/picks")
def open_picks(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[PickOut]:
    who.require(STORE)
    who.require_node(node_id)
    return [_pick(p) for p in picks.open_picks(uow.session, node_id)]


@router.post("/picks/{pick_id}/confirm")
def confirm_pick(
    pick_id: PickId, body: PickConfirmIn, uow: UowDep, state: StateDep, who: PrincipalDep
) -> PickConfirmedOut:
    who.require(STORE)
    who.require_node(picks.get_pick(uow.session, pick_id).node_id)
    counts = {line.line_id: line.picked for line in body.lines}
    pick = picks.confirm(uow.session, state.networks, pick_id, counts)
    view = PickConfirmedOut(
        pick=_pick(picks.pick_view(uow.session, pick)),
        order=_order(uow, pick.order_id),
    )
    uow.commit()
    return view


@router.post("/shipments/{shipment_id}/ship")
def ship(shipment_id: ShipmentId, body: ShipIn, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require(STORE)
    who.require_node(fulfilment.get_shipment(uow.session, shipment_id).node_id)
    shipment = fulfilment.ship(uow.session, shipment_id, body.tracking)
    view = _order(uow, shipment.order_id)
    uow.commit()
    return view


@router.post("/shipments/{shipment_id}/deliver")
def deliver(shipment_id: ShipmentId, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require()  # carriers report deliveries through ops integrations
    shipment = fulfilment.deliver(uow.session, shipment_id)
    view = _order(uow, shipment.order_id)
    uow.commit()
    return view


def _order(uow: UowDep, order_id: str) -> OrderOut:
    return OrderOut.model_validate(orders.order_view(uow.session, orders.get_order(uow, order_id)))


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
