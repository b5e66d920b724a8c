"""POST /v1/promise: delivery options for a cart. Reads stock, reserves nothing."""

from __future__ import annotations

from fastapi import APIRouter

from oms.api.deps import PrincipalDep, StateDep
from oms.api.schemas import AllocationOut, OptionOut, PromiseIn, PromiseOut, ShortfallOut
from oms.db.statuses import ApiRole
from oms.promise.options import Option, PromiseResult
from oms.promise.service import promise_for

router = APIRouter(prefix="/v1", tags=["promise"])


@router.post("/promise")
async def promise(body: PromiseIn, state: StateDep, who: PrincipalDep) -> PromiseOut:
    who.require(ApiRole.CHECKOUT)
    lines = [(line.sku, line.qty) for line in body.lines]
    with state.read_session() as session:
        result = promise_for(
            session, state.networks, lines, body.destination.lat, body.destination.lon
        )
    return _out(result, [s for s, _ in lines])


def _out(result: PromiseResult, line_skus: list[str]) -> PromiseOut:
    return PromiseOut(
        options=[_option(o, line_skus) for o in result.options],
        shortfalls=[ShortfallOut(sku=s, requested=r, available=a) for s, r, a in result.shortfalls],
    )


def _option(o: Option, line_skus: list[str]) -> OptionOut:
    return OptionOut(
        id=o.id,
        method=o.method,
        service=o.service,
        cost=o.cost,
        node=o.node,
        delivery_date=o.delivery_date.isoformat() if o.delivery_date else None,
        ready_at=o.ready_at.isoformat() if o.ready_at else None,
        allocations=[AllocationOut(sku=line_skus[j], node=n, qty=q) for j, n, q in o.allocations],
    )
