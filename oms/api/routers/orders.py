"""Orders: create (idempotent by key), read with lines, shipments and history, cancel, collect."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from oms.access.model import ApiRole
from oms.api.auth import Principal
from oms.api.deps import IdempotencyKey, PrincipalDep, StateDep, UowDep, request_key, store_scope
from oms.api.fields import OrderId
from oms.api.responses import KEYED, errors
from oms.api.schemas import CancelIn, OrderIn, OrderOut
from oms.orders import service as svc
from oms.orders.reservations import reserve_request

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=errors(*KEYED, 404, 409))
CHECKOUT = ApiRole.CHECKOUT


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": OrderOut, "description": "the order this Idempotency-Key made"}},
)
def create(
    body: OrderIn,
    uow: UowDep,
    state: StateDep,
    who: PrincipalDep,
    response: Response,
    key: IdempotencyKey = None,
) -> OrderOut:
    """Place an order from a reservation, or from lines and a destination. With an
    `Idempotency-Key`, a retry of the same request answers 200 with the same order (concurrent
    retries wait for the first); the key with another request is 409 `idempotency_key_reused`."""
    who.require(CHECKOUT, ApiRole.STORE)
    order, created = svc.create_order(
        uow.session, state.networks, _request(body, who), key=request_key(who, key)
    )
    view = OrderOut.model_validate(svc.order_view(uow.session, order))
    uow.commit()
    if not created:
        response.status_code = status.HTTP_200_OK
    return view


@router.get("/{order_id}")
def get(order_id: OrderId, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require(CHECKOUT, ApiRole.STORE)
    order = svc.order_for(uow, order_id, store_scope(who))
    return OrderOut.model_validate(svc.order_view(uow.session, order))


@router.post("/{order_id}/cancel")
def cancel(
    order_id: OrderId, uow: UowDep, who: PrincipalDep, body: CancelIn | None = None
) -> OrderOut:
    who.require(CHECKOUT)
    order = svc.cancel(uow.session, order_id, body.lines if body else None)
    view = OrderOut.model_validate(svc.order_view(uow.session, order))
    uow.commit()
    return view


@router.post("/{order_id}/collect")
def collect(order_id: OrderId, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require(ApiRole.STORE)
    order = svc.collect(uow.session, order_id, store_scope(who))
    view = OrderOut.model_validate(svc.order_view(uow.session, order))
    uow.commit()
    return view


def _request(body: OrderIn, who: Principal) -> svc.OrderRequest:
    """A store key orders for a customer in its store (store-to-web): channel "store", and a
    pickup at its own store only."""
    store_key = who.role is ApiRole.STORE
    channel = "store" if store_key else body.channel
    if store_key and body.pickup_node is not None:
        who.require_node(body.pickup_node)
    if body.reservation_id is not None or body.lines is None:
        return svc.OrderRequest(
            body.reservation_id,
            None,
            channel,
            body.discount_minor,
            body.shipping_minor,
            service=body.service,
            option_id=body.option_id,
        )
    dest = body.destination
    reserve = reserve_request(
        [(line.sku, line.qty) for line in body.lines],
        (dest.lat, dest.lon) if dest else None,
        method=body.method,
        pickup_node=body.pickup_node,
        service=body.service,
        option_id=body.option_id,
        ttl_seconds=900,
        slot_id=body.slot_id,
    )
    if store_key and reserve.pickup_node is not None:
        who.require_node(reserve.pickup_node)  # a pickup option names its store
    return svc.OrderRequest(None, reserve, channel, body.discount_minor, body.shipping_minor)
