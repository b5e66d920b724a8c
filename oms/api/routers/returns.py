"""Returns: create an RMA (eligibility, routing), read it, receive it (disposition, refund)."""

from __future__ import annotations

from fastapi import APIRouter, status

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep, store_scope
from oms.api.fields import ReturnId
from oms.api.responses import KEYED, errors
from oms.api.schemas import ReceiveIn, ReturnIn, ReturnOut
from oms.domain.errors import ValidationError
from oms.returns import RequestLine, ReturnRequest
from oms.returns import service as svc

router = APIRouter(prefix="/v1/returns", tags=["returns"], responses=errors(*KEYED, 404, 409))


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: ReturnIn, uow: UowDep, who: PrincipalDep) -> ReturnOut:
    """A store key opens returns at its own counter (an in-store return of an order from any
    channel); checkout and ops keys open any return."""
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    if who.role is ApiRole.STORE:
        svc.require_own_counter(who.node_id, body.method, body.store)
    req = ReturnRequest(
        lines=tuple(RequestLine(ln.line_id, ln.qty) for ln in body.lines),
        reason=body.reason,
        method=body.method,
        store=body.store,
    )
    exchange = [(x.sku, x.qty) for x in body.exchange] if body.exchange else None
    rma = svc.create_return(uow.session, body.order_id, req, exchange)
    view = ReturnOut.model_validate(svc.return_view(uow.session, rma))
    uow.commit()
    return view


@router.get("/{return_id}")
def get(return_id: ReturnId, uow: UowDep, who: PrincipalDep) -> ReturnOut:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    rma = svc.return_for(uow.session, return_id, store_scope(who))
    return ReturnOut.model_validate(svc.return_view(uow.session, rma))


@router.post("/{return_id}/receive")
def receive(
    return_id: ReturnId, body: ReceiveIn, uow: UowDep, state: StateDep, who: PrincipalDep
) -> ReturnOut:
    who.require(ApiRole.STORE)
    who.require_node(svc.get_return(uow.session, return_id).destination)
    conditions = {ln.line_id: ln.condition for ln in body.lines}
    if len(conditions) < len(body.lines):
        raise ValidationError(["lines: each line may be received once"])
    rma = svc.receive(uow.session, state.networks, return_id, conditions)
    view = ReturnOut.model_validate(svc.return_view(uow.session, rma))
    uow.commit()
    return view
