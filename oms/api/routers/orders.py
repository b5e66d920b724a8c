"""Orders: create (idempotent by key), read with lines, shipments and history, cancel."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from oms.api.auth import Principal
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.routers.reservations import IdempotencyKey
from oms.api.schemas import CancelIn, OrderIn
from oms.db.statuses import ApiRole, DeliveryMethod
from oms.orders import service as svc
from oms.orders.reservations import ReserveRequest
from oms.stores import fulfilment

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
    who.require(CHECKOUT, ApiRole.STORE)
    order, created = svc.create_order(uow.session, state.networks, _request(body, who), key=key)
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


@router.post("/{order_id}/collect")
def collect(order_id: str, uow: UowDep, who: PrincipalDep) -> dict[str, Any]:
    who.require(ApiRole.STORE)
    order = svc.get_order(uow.session, order_id)
    if order.pickup_node is not None:
        who.require_node(order.pickup_node)
    fulfilment.collect(uow.session, order_id)
    view = svc.order_view(uow.session, order)
    uow.commit()
    return view


def _request(body: OrderIn, who: Principal) -> svc.OrderRequest:
    """A store key orders for a customer in its store (store-to-web): channel "store", and a
    pickup at its own store only."""
    channel = body.channel
    if who.role is ApiRole.STORE:
        channel = "store"
        if body.pickup_node is not None:
            who.require_node(body.pickup_node)
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
            slot_id=body.slot_id,
        )
    return svc.OrderRequest(
        body.reservation_id, reserve, channel, body.discount_minor, body.shipping_minor
    )
