"""Orders: create (idempotent by key), read with lines, shipments and history, cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.routers.reservations import IdempotencyKey
from oms.api.schemas import CancelIn, OrderIn
from oms.db.statuses import ApiRole, DeliveryMethod
from oms.orders import service as svc
from oms.orders.reservations import ReserveRequest

router = APIRouter(prefix="/v1/orders", tags=["orders"])
CHECKOUT = ApiRole.CHECKOUT


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    body: OrderIn,
    uow: UowDep,
    state: StateDep,
    who: PrincipalDep,
    response: Response,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    who.require(CHECKOUT)
    order, created = svc.create_order(uow.session, state.networks, _request(body), key=key)
    view = svc.order_view(uow.session, order)
    uow.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("/{order_id}")
def get(order_id: str, uow: UowDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(CHECKOUT, ApiRole.STORE)
    return svc.order_view(uow.session, svc.get_order(uow.session, order_id))


@router.post("/{order_id}/cancel")
def cancel(
    order_id: str, uow: UowDep, who: PrincipalDep, body: CancelIn | None = None
) -> dict[str, Any]:
    who.require(CHECKOUT)
    order = svc.cancel(uow.session, order_id, body.lines if body else None)
    view = svc.order_view(uow.session, order)
    uow.commit()
    return view


def _request(body: OrderIn) -> svc.OrderRequest:
    reserve = None
    if body.reservation_id is None and body.lines is not None:
        dest = body.destination
        reserve = ReserveRequest(
            lines=[(line.sku, line.qty) for line in body.lines],
            lat=dest.lat if dest else None,
            lon=dest.lon if dest else None,
            method=DeliveryMethod(body.method),
            pickup_node=body.pickup_node,
            ttl_seconds=900,
        )
    return svc.OrderRequest(body.reservation_id, reserve, body.channel)
