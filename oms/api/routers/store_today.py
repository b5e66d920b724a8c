"""The store's day at a glance over JSON (the Today page's twin)."""

from __future__ import annotations

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep
from oms.api.fields import NodeId
from oms.api.responses import KEYED, errors
from oms.api.today_schemas import TodayOut, today_out
from oms.domain.events import utcnow
from oms.stores.today import today

router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED, 404))


@router.get("/stores/{node_id}/today")
def store_today(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> TodayOut:
    """How many items wait in each of the store's queues, its hours today and capacity left."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    return today_out(today(uow, node_id, utcnow()))
