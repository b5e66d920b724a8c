"""The returns desk over JSON: find the order a customer brings back, from any channel and any
node (oms/orders/desk_lookup.py). The return itself is opened and received through
``/v1/returns`` (a store key: in-store returns at its own counter)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep
from oms.api.fields import NodeId
from oms.api.responses import KEYED, errors
from oms.api.returns_desk_schemas import DeskLineOut, DeskOrderOut, DeskReturnOut
from oms.orders.desk_lookup import DeskOrder, desk_lookup

router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED))

DeskQuery = Annotated[
    str, Query(max_length=254, description="an order number, an e-mail or a phone (exact)")
]


@router.get("/stores/{node_id}/returns/lookup")
def lookup(node_id: NodeId, q: DeskQuery, uow: UowDep, who: PrincipalDep) -> list[DeskOrderOut]:
    """The orders ``q`` names exactly, from any channel and node, newest first."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    return [desk_order_out(o) for o in desk_lookup(uow, q)]


def desk_order_out(o: DeskOrder) -> DeskOrderOut:
    return DeskOrderOut(
        id=o.id,
        status=o.status,
        channel=o.channel,
        method=o.method,
        created_at=o.created_at.isoformat(),
        currency=o.currency,
        total_minor=o.total_minor,
        lines=[DeskLineOut(**vars(ln)) for ln in o.lines],
        returns=[DeskReturnOut(id=r.id, status=r.status) for r in o.returns],
    )
