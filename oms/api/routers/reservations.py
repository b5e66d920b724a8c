"""Reservations: hold the sourced plan (idempotent by key), read it, release it."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Response, status

from oms.access.model import ApiRole
from oms.api.deps import IdempotencyKey, PrincipalDep, StateDep, UowDep, request_key
from oms.api.fields import ReservationId
from oms.api.responses import KEYED, errors
from oms.api.schemas import HeldOut, ReservationIn, ReservationOut
from oms.api.state import AppState
from oms.orders import reservations as svc
from oms.orders.idempotency import RequestKey
from oms.orders.model import Reservation

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
        held = svc.reserve_held(uow.session, state.networks, req, key=key)
        uow.commit()
    return _out(held.reservation, held.lines), held.created


@router.get("/{reservation_id}")
def get(reservation_id: ReservationId, uow: UowDep, who: PrincipalDep) -> ReservationOut:
    who.require(CHECKOUT)
    res = svc.get_reservation(uow.session, reservation_id)
    out = _out(res, _lines(uow, res))
    uow.commit()  # a lazy expiry releases stock: keep it
    return out


@router.delete("/{reservation_id}")
def release(reservation_id: ReservationId, uow: UowDep, who: PrincipalDep) -> ReservationOut:
    who.require(CHECKOUT)
    res = svc.release_reservation(uow.session, reservation_id)
    out = _out(res, _lines(uow, res))
    uow.commit()
    return out


def _out(res: Reservation, lines: list[tuple[str, str, int]]) -> ReservationOut:
    return ReservationOut(
        id=res.id,
        status=res.status.value,
        method=res.method.value,
        service=res.service.value,
        pickup_node=res.pickup_node,
        expires_at=res.expires_at.isoformat(),
        lines=[HeldOut(sku=s, node=n, qty=q) for s, n, q in lines],
    )


def _lines(uow: UowDep, res: Reservation) -> list[tuple[str, str, int]]:
    return [(x.sku_id, x.node_id, x.qty) for x in svc.lines_of(uow.session, res.id)]
