"""Incoming transfers over JSON: what is on its way to a pickup store, and the store's count
when it arrives (oms/stores/receiving.py)."""

from __future__ import annotations

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.fields import NodeId, ShipmentId
from oms.api.receiving_schemas import (
    IncomingLineOut,
    IncomingOut,
    ReceiptLineOut,
    TransferReceiptOut,
    TransferReceiveIn,
)
from oms.api.responses import KEYED, errors
from oms.api.routers.orders import order_out
from oms.stores import receiving

router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED, 404))


@router.get("/stores/{node_id}/incoming")
def incoming(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[IncomingOut]:
    """The transfers shipped to this store for its pickup orders, not arrived yet."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    return [incoming_out(t) for t in receiving.incoming_transfers(uow, node_id)]


@router.post("/stores/{node_id}/shipments/{shipment_id}/receive", responses=errors(409))
def receive(
    node_id: NodeId,
    shipment_id: ShipmentId,
    body: TransferReceiveIn,
    uow: UowDep,
    state: StateDep,
    who: PrincipalDep,
) -> TransferReceiptOut:
    """Count a transfer at its pickup store: every line with the units received. Under-received
    units are sourced again (or refunded), over-received ones go into the store's stock."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    counts = {ln.line_id: ln.received for ln in body.lines}
    done = receiving.receive_transfer(uow, state.networks, shipment_id, counts, store=node_id)
    return receipt_out(done)


def incoming_out(t: receiving.IncomingTransfer) -> IncomingOut:
    return IncomingOut(
        shipment_id=t.shipment_id,
        order_id=t.order_id,
        from_node=t.from_node,
        shipped_at=t.shipped_at.isoformat() if t.shipped_at else None,
        tracking=t.tracking,
        carrier=t.carrier,
        lines=[IncomingLineOut(line_id=u.order_line_id, sku=u.sku_id, qty=u.qty) for u in t.lines],
    )


def receipt_out(r: receiving.TransferReceipt) -> TransferReceiptOut:
    return TransferReceiptOut(
        shipment_id=r.shipment_id,
        store=r.store,
        lines=[
            ReceiptLineOut(
                line_id=ln.order_line_id,
                sku=ln.sku_id,
                expected=ln.expected,
                received=ln.received,
                difference=ln.difference,
            )
            for ln in r.lines
        ],
        order=order_out(r.order),
    )
