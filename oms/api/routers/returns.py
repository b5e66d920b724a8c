"""Returns: create an RMA (eligibility, routing), read it, receive it (disposition, refund)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.schemas import ReceiveIn, ReturnIn
from oms.db.statuses import ApiRole
from oms.domain.errors import ValidationError
from oms.returns import RequestLine, ReturnRequest
from oms.returns import service as svc

router = APIRouter(prefix="/v1/returns", tags=["returns"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: ReturnIn, uow: UowDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    if who.role is ApiRole.STORE and body.method == "in_store" and body.store is not None:
        who.require_node(body.store)
    req = ReturnRequest(
        lines=tuple(RequestLine(ln.line_id, ln.qty) for ln in body.lines),
        reason=body.reason,
        method=body.method,
        store=body.store,
    )
    exchange = [(x.sku, x.qty) for x in body.exchange] if body.exchange else None
    rma = svc.create_return(uow.session, body.order_id, req, exchange)
    view = svc.return_view(uow.session, rma)
    uow.commit()
    return view


@router.get("/{return_id}")
def get(return_id: str, uow: UowDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return svc.return_view(uow.session, svc.get_return(uow.session, return_id))


@router.post("/{return_id}/receive")
def receive(
    return_id: str, body: ReceiveIn, uow: UowDep, state: StateDep, who: PrincipalDep
) -> dict[str, Any]:
    who.require(ApiRole.STORE)
    who.require_node(svc.get_return(uow.session, return_id).destination)
    conditions = {ln.line_id: ln.condition for ln in body.lines}
    if len(conditions) < len(body.lines):
        raise ValidationError(["lines: each line may be received once"])
    rma = svc.receive(uow.session, state.networks, return_id, conditions)
    view = svc.return_view(uow.session, rma)
    uow.commit()
    return view
