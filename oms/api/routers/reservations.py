"""Reservations: hold the sourced plan (idempotent by key), read it, release it."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Response, status

from oms.access.model import ApiRole
from oms.api.customer_schemas import who_form
from oms.api.deps import IdempotencyKey, PrincipalDep, StateDep, UowDep, request_key
from oms.api.fields import ReservationId
from oms.api.responses import KEYED, errors
from oms.api.schemas import HeldOut, ReservationIn, ReservationOut
from oms.api.state import AppState
from oms.orders import reservations as svc
from oms.orders.idempotency import RequestKey

router = APIRouter(
    prefix="/v1/reservations", tags=["reservations"], responses=errors(*KEYED, 404, 409)
)
CHECKOUT = ApiRole.CHECKOUT


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ReservationOut, "description": "the reservation this key made"}},
)
async def reserve(
    body: ReservationIn,
    state: StateDep,
    who: PrincipalDep,
    response: Response,
    key: IdempotencyKey = None,
) -> ReservationOut:
    who.require(CHECKOUT)
    dest = body.destination
    req = svc.reserve_request(
        [(line.sku, line.qty) for line in body.lines],
        (dest.lat, dest.lon) if dest else None,
        method=body.method,
        pickup_node=body.pickup_node,
        service=body.service,
        option_id=body.option_id,
        ttl_seconds=body.ttl_seconds,
        slot_id=body.slot_id,
        who=who_form(body),
    )
    # The whole transaction in one trip to the write threads (a sync route with a session
    # dependency made three trips to the shared pool: open, run, close).
    scoped = request_key(who, key)
    out, created = await to_thread.run_sync(_reserve, state, req, scoped, limiter=state.writers)
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


def _reserve(
    state: AppState, req: svc.ReserveRequest, key: RequestKey | None
) -> tuple[ReservationOut, bool]:
    with state.unit_of_work() as uow:
        held = svc.reserve_held(uow, state.networks, req, key=key)
    return _out(held), held.created


@router.get("/{reservation_id}")
def get(reservation_id: ReservationId, uow: UowDep, who: PrincipalDep) -> ReservationOut:
    who.require(CHECKOUT)
    return _out(svc.show_reservation(uow, reservation_id))


@router.delete("/{reservation_id}")
def release(reservation_id: ReservationId, uow: UowDep, who: PrincipalDep) -> ReservationOut:
    who.require(CHECKOUT)
    return _out(svc.release_reservation(uow, reservation_id))


def _out(view: svc.ReservationView) -> ReservationOut:
    res = view.reservation
    return ReservationOut(
        id=res.id,
        status=res.status.value,
        method=res.method.value,
        service=res.service.value,
        pickup_node=res.pickup_node,
        expires_at=res.expires_at.isoformat(),
        lines=[HeldOut(sku=s, node=n, qty=q) for s, n, q in view.lines],
    )
