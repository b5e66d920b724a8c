"""The store's picks over JSON beyond confirmation: the batch walk and its confirmation,
rejections with reason codes, the ops' rejection analytics, and the store's capacity controls
(how many picks come its way)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.fields import NodeId, PickId
from oms.api.responses import KEYED, errors
from oms.api.routers.orders import order_out
from oms.api.store_picks_schemas import (
    BatchConfirmedOut,
    BatchConfirmIn,
    BatchWalkOut,
    CapacityIn,
    CapacityOut,
    RejectedPickOut,
    RejectIn,
    RejectionOut,
    RejectionSummaryOut,
    TallyOut,
    capacity_out,
)
from oms.stores import batch_picks, capacity, rejections

router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED, 404))
STORE = ApiRole.STORE
PickIds = Annotated[
    list[str], Query(alias="picks", max_length=50, description="pick ids, repeated or a,b,c")
]
Days = Annotated[int, Query(ge=1, le=366, description="the last N days")]


@router.get("/stores/rejections/summary")
def rejection_summary(uow: UowDep, who: PrincipalDep, days: Days = 7) -> RejectionSummaryOut:
    who.require(ApiRole.OPS)
    found = rejections.summary(uow, days)
    return RejectionSummaryOut(
        since=found.since.isoformat(),
        days=found.days,
        count=found.count,
        units=found.units,
        by_reason=[TallyOut(**asdict(t)) for t in found.by_reason],
        by_sku=[TallyOut(**asdict(t)) for t in found.by_sku],
        by_store=[TallyOut(**asdict(t)) for t in found.by_store],
    )


@router.get("/stores/{node_id}/batch")
def batch_walk(node_id: NodeId, picks: PickIds, uow: UowDep, who: PrincipalDep) -> BatchWalkOut:
    who.require(STORE)
    who.require_node(node_id)
    ids = [p for given in picks for p in given.split(",") if p]
    return BatchWalkOut.model_validate(asdict(batch_picks.batch_walk(uow, node_id, ids)))


@router.post("/stores/{node_id}/batch/confirm", responses=errors(409))
def confirm_batch(
    node_id: NodeId, body: BatchConfirmIn, uow: UowDep, who: PrincipalDep
) -> BatchConfirmedOut:
    who.require(STORE)
    who.require_node(node_id)
    counts = {p.pick_id: {ln.line_id: ln.picked for ln in p.lines} for p in body.picks}
    return BatchConfirmedOut(confirmed=batch_picks.confirm_batch(uow, node_id, counts))


@router.post("/stores/{node_id}/picks/{pick_id}/reject", responses=errors(409))
def reject(
    node_id: NodeId,
    pick_id: PickId,
    body: RejectIn,
    uow: UowDep,
    state: StateDep,
    who: PrincipalDep,
) -> RejectionOut:
    who.require(STORE)
    who.require_node(node_id)
    lines = None if body.lines is None else [(ln.line_id, ln.qty) for ln in body.lines]
    done = rejections.reject(
        uow, state.networks, node_id, pick_id, lines, body.reason, collateral=body.collateral
    )
    return RejectionOut(
        node=done.node,
        reason=done.reason,
        picks=[RejectedPickOut(**asdict(p)) for p in done.picks],
        orders=[order_out(o) for o in done.orders],
    )


@router.get("/stores/{node_id}/capacity")
def get_capacity(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> CapacityOut:
    who.require(STORE, ApiRole.OPS)
    who.require_node(node_id)
    return capacity_out(capacity.capacity_of(uow, node_id))


@router.put("/stores/{node_id}/capacity")
def set_capacity(node_id: NodeId, body: CapacityIn, uow: UowDep, who: PrincipalDep) -> CapacityOut:
    who.require(STORE, ApiRole.OPS)
    who.require_node(node_id)
    return capacity_out(
        capacity.set_capacity(uow, node_id, body.daily_order_limit, body.paused, body.paused_until)
    )
