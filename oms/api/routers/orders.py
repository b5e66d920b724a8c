"""Orders: create (idempotent by key), read with lines, shipments and history, cancel, collect."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from oms.access.model import ApiRole
from oms.api.customer_schemas import who_form
from oms.api.deps import IdempotencyKey, PrincipalDep, StateDep, UowDep, request_key, store_scope
from oms.api.explain_schemas import OrderExplanationOut
from oms.api.fields import OrderId
from oms.api.notification_schemas import CollectIn
from oms.api.responses import KEYED, errors
from oms.api.schemas import CancelIn, OrderIn, OrderOut
from oms.orders import service as svc
from oms.orders.explain import explain_order_plan
from oms.orders.views import OrderView
from oms.stores import fulfilment

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
    view, created = svc.create_order(
        uow, state.networks, _form(body), key=request_key(who, key), store=store_scope(who)
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return order_out(view)


@router.get("/{order_id}")
def get(order_id: OrderId, uow: UowDep, who: PrincipalDep) -> OrderOut:
    who.require(CHECKOUT, ApiRole.STORE)
    return order_out(svc.read_order(uow, order_id, store_scope(who)))


EXPLAIN = """Why the order is sourced as it is: its open allocations (not yet picking) with
their cost breakdown (the one cost function: shipping, handling, split, unfilled), the
allocations that can no longer move (`fixed`), and `now`: the plan the sourcer would choose for
the open units against the stock now, with the order's own held units given back, and the
alternatives it rejected with their verdicts (as POST /v1/sourcing/explain). `agrees`: the
sourcer would choose the same nodes now (true right after the order was placed, unless stock or
nodes changed since). Under the look-ahead policy each unit carries its `lookahead_price`. Reads
only. Ops keys; a store key only for an order involving its store (403 otherwise, as the order
read)."""


@router.get("/{order_id}/explain", description=EXPLAIN)
def explain(
    order_id: OrderId, uow: UowDep, state: StateDep, who: PrincipalDep
) -> OrderExplanationOut:
    """Explain an order's sourcing."""
    who.require(ApiRole.STORE)
    found = explain_order_plan(uow, state.networks, order_id, store_scope(who))
    return OrderExplanationOut.of(found)


@router.post("/{order_id}/cancel")
def cancel(
    order_id: OrderId, uow: UowDep, who: PrincipalDep, body: CancelIn | None = None
) -> OrderOut:
    who.require(CHECKOUT)
    return order_out(svc.cancel(uow, order_id, body.lines if body else None))


@router.post("/{order_id}/collect", responses=errors(422))
def collect(
    order_id: OrderId, uow: UowDep, who: PrincipalDep, body: CollectIn | None = None
) -> OrderOut:
    """The customer collects a ready pickup at the store's counter; with the `pickup_code`
    from their e-mail, a wrong code is a 422 `pickup_code_mismatch` and nothing is collected."""
    who.require(ApiRole.STORE)
    code = body.pickup_code if body else None
    return order_out(fulfilment.collect_order(uow, order_id, store_scope(who), pickup_code=code))


def order_out(view: OrderView) -> OrderOut:
    return OrderOut.model_validate(view, from_attributes=True)


def _form(body: OrderIn) -> svc.OrderForm:
    dest = body.destination
    return svc.OrderForm(
        reservation_id=body.reservation_id,
        lines=None if body.lines is None else [(line.sku, line.qty) for line in body.lines],
        destination=(dest.lat, dest.lon) if dest else None,
        method=body.method,
        service=body.service,
        option_id=body.option_id,
        pickup_node=body.pickup_node,
        channel=body.channel,
        slot_id=body.slot_id,
        discount_minor=body.discount_minor,
        shipping_minor=body.shipping_minor,
        who=who_form(body),
    )
