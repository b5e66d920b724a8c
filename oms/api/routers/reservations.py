"""Reservations: hold the sourced plan (idempotent by key), read it, release it."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Header, Response, status

from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.schemas import HeldOut, ReservationIn, ReservationOut
from oms.api.state import AppState
from oms.db.statuses import ApiRole, DeliveryMethod
from oms.db.tables import Reservation
from oms.orders import reservations as svc

router = APIRouter(prefix="/v1/reservations", tags=["reservations"])
CHECKOUT = ApiRole.CHECKOUT
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@router.post("", status_code=status.HTTP_201_CREATED)
async def reserve(
    body: ReservationIn,
    state: StateDep,
    who: PrincipalDep,
    response: Response,
    key: IdempotencyKey = None,
) -> ReservationOut:
    who.require(CHECKOUT)
    dest = body.destination
    req = svc.ReserveRequest(
        lines=[(line.sku, line.qty) for line in body.lines],
        lat=dest.lat if dest else None,
        lon=dest.lon if dest else None,
        method=DeliveryMethod(body.method),
        pickup_node=body.pickup_node,
        ttl_seconds=body.ttl_seconds,
        slot_id=body.slot_id,
    )
    # The whole transaction in one trip to the write threads (a sync route with a session
    # dependency made three trips to the shared pool: open, run, close).
    out, created = await to_thread.run_sync(_reserve, state, req, key, limiter=state.writers)
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


def _reserve(
    state: AppState, req: svc.ReserveRequest, key: str | None
) -> tuple[ReservationOut, bool]:
    with state.unit_of_work() as uow:
        held = svc.reserve_held(uow.session, state.networks, req, key=key)
        uow.commit()
    return _out(held.reservation, held.lines), held.created


@router.get("/{reservation_id}")
def get(reservation_id: str, uow: UowDep, who: PrincipalDep) -> ReservationOut:
    who.require(CHECKOUT)
    res = svc.get_reservation(uow.session, reservation_id)
    out = _out(res, _lines(uow, res))
    uow.commit()  # a lazy expiry releases stock: keep it
    return out


@router.delete("/{reservation_id}")
def release(reservation_id: str, uow: UowDep, who: PrincipalDep) -> ReservationOut:
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
        pickup_node=res.pickup_node,
        expires_at=res.expires_at.isoformat(),
        lines=[HeldOut(sku=s, node=n, qty=q) for s, n, q in lines],
    )


def _lines(uow: UowDep, res: Reservation) -> list[tuple[str, str, int]]:
    return [(x.sku_id, x.node_id, x.qty) for x in svc.lines_of(uow.session, res.id)]
