"""Returns: create an RMA (eligibility, routing), read it, receive it (disposition, refund)."""

from __future__ import annotations

from fastapi import APIRouter, status

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep, store_scope
from oms.api.fields import ReturnId
from oms.api.responses import KEYED, errors
from oms.api.schemas import ReceiveIn, ReturnIn, ReturnOut
from oms.returns import RequestLine, ReturnRequest
from oms.returns import service as svc

router = APIRouter(prefix="/v1/returns", tags=["returns"], responses=errors(*KEYED, 404, 409))


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: ReturnIn, uow: UowDep, who: PrincipalDep) -> ReturnOut:
    """A store key opens returns at its own counter (an in-store return of an order from any
    channel); checkout and ops keys open any return."""
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    req = ReturnRequest(
        lines=tuple(RequestLine(ln.line_id, ln.qty) for ln in body.lines),
        reason=body.reason,
        method=body.method,
        store=body.store,
    )
    exchange = [(x.sku, x.qty) for x in body.exchange] if body.exchange else None
    view = svc.create_return(uow, body.order_id, req, exchange, store=store_scope(who))
    return ReturnOut.model_validate(view, from_attributes=True)


@router.get("/{return_id}")
def get(return_id: ReturnId, uow: UowDep, who: PrincipalDep) -> ReturnOut:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    view = svc.show_return(uow, return_id, store_scope(who))
    return ReturnOut.model_validate(view, from_attributes=True)


@router.post("/{return_id}/receive")
def receive(
    return_id: ReturnId, body: ReceiveIn, uow: UowDep, state: StateDep, who: PrincipalDep
) -> ReturnOut:
    """A store key receives the returns sent to its node."""
    who.require(ApiRole.STORE)
    lines = [(ln.line_id, ln.condition) for ln in body.lines]
    view = svc.receive(uow, state.networks, return_id, lines, store=store_scope(who))
    return ReturnOut.model_validate(view, from_attributes=True)
