"""The store counter in the browser: shipments to pack (a form per shipment, its printable
packing slip), ready pickups with their handover form, and expired pickups to put back on the
shelf. Server-rendered, no script; every POST checks the Origin and the session's CSRF token
(``store_page_access``) and calls the same service as its JSON twin (``store_counter``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oms.api import store_page_access as access
from oms.api.deps import StateDep
from oms.api.errors import STATUS_BY_CODE
from oms.api.state import AppState
from oms.db.uow import SqlUnitOfWork
from oms.domain.errors import OmsError, ValidationError
from oms.stores import handover, packing
from oms.stores.counter_model import MAX_PARCELS

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)
PARCEL_ROWS = 3  # parcel rows a shipment's form shows; ?rows= asks for more
Action = Callable[[SqlUnitOfWork], str]  # does the work, answers the notice shown after it


# --- pack and ship -----------------------------------------------------------------------------


@router.get("/{node_id}/pack", response_class=HTMLResponse)
def pack_page(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    return _show(request, state, node_id, _pack_context)


@router.get("/{node_id}/shipments/{shipment_id}/slip", response_class=HTMLResponse)
def slip_page(request: Request, node_id: str, shipment_id: str, state: StateDep) -> HTMLResponse:
    try:
        access.store_visitor(request, state, node_id)
        with state.read_uow() as reads:
            slip = packing.packing_slip(reads, node_id, shipment_id)
    except OmsError as exc:
        return access.refused(request, exc)
    return access.page(request, "packing_slip.html", node=node_id, slip=slip)


@router.post("/{node_id}/shipments/{shipment_id}/ship")
async def ship(request: Request, node_id: str, shipment_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())

    def action(uow: SqlUnitOfWork) -> str:
        packing.ship_in_parcels(uow, node_id, shipment_id, parcels_of(form))
        return f"Shipment {shipment_id} shipped."

    return await run_in_threadpool(_act, request, state, node_id, form, action, "pack")


def parcels_of(form: dict[str, str]) -> list[packing.ParcelSpec]:
    """Parcel rows ``carrier:N``, ``tracking:N``, ``weight_g:N``: rows without a tracking
    number are left out; a weight, when given, is whole grams."""
    found, problems = [], []
    for n in range(1, MAX_PARCELS + 1):
        tracking = form.get(f"tracking:{n}", "").strip()
        if not tracking:
            continue
        carrier = form.get(f"carrier:{n}", "").strip()
        weight = form.get(f"weight_g:{n}", "").strip()
        if not carrier:
            problems.append(f"parcels: parcel {n} needs its carrier")
        if weight and not (weight.isdigit() and int(weight) > 0):
            problems.append(f"parcels: the weight of parcel {n} is whole grams, got {weight!r}")
        found.append(
            packing.ParcelSpec(carrier, tracking, int(weight) if weight.isdigit() else None)
        )
    if problems:
        raise ValidationError(problems)
    return found


# --- pickups: ready, handover, expired -----------------------------------------------------------


@router.get("/{node_id}/pickups", response_class=HTMLResponse)
def pickups_page(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    return _show(request, state, node_id, _pickups_context)


@router.post("/{node_id}/orders/{order_id}/handover")
async def hand_over(request: Request, node_id: str, order_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    refused = [k.removeprefix("refuse:") for k, v in form.items() if k.startswith("refuse:") and v]

    def action(uow: SqlUnitOfWork) -> str:
        handover.hand_over(
            uow,
            node_id,
            order_id,
            pickup_code=form.get("pickup_code") or None,
            customer_name=form.get("customer_name") or None,
            refused=refused,
        )
        return f"Order {order_id} handed over."

    return await run_in_threadpool(_act, request, state, node_id, form, action, "pickups")


@router.post("/{node_id}/orders/{order_id}/reshelved")
async def reshelved(request: Request, node_id: str, order_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())

    def action(uow: SqlUnitOfWork) -> str:
        handover.reshelve(uow, node_id, order_id)
        return f"Order {order_id} is back on the shelf."

    return await run_in_threadpool(_act, request, state, node_id, form, action, "pickups")


# --- shared --------------------------------------------------------------------------------------

Context = Callable[[Request, AppState, str], tuple[str, dict[str, object]]]


def _pack_context(request: Request, state: AppState, node_id: str) -> tuple[str, dict[str, object]]:
    try:
        rows = min(max(int(request.query_params.get("rows", PARCEL_ROWS)), 1), MAX_PARCELS)
    except ValueError:
        rows = PARCEL_ROWS
    with state.read_uow() as reads:
        found = packing.to_pack(reads, node_id)
    return "pack.html", {"shipments": found, "rows": range(1, rows + 1)}


def _pickups_context(
    request: Request, state: AppState, node_id: str
) -> tuple[str, dict[str, object]]:
    with state.read_uow() as reads:
        ready = handover.ready_pickups(reads, node_id)
        expired = handover.expired_pickups(reads, node_id)
    return "pickups.html", {"ready": ready, "expired": expired}


def _show(
    request: Request,
    state: AppState,
    node_id: str,
    context: Context,
    status: int = 200,
    error: str | None = None,
    visitor: access.Visitor | None = None,
) -> HTMLResponse:
    try:
        visitor = visitor or access.visitor(request, state)
        access.allowed(visitor.who, node_id)
    except OmsError as exc:
        return access.refused(request, exc)
    name, values = context(request, state, node_id)
    return access.page(
        request,
        name,
        status,
        node=node_id,
        notice=request.query_params.get("notice") if error is None else None,
        error=error,
        csrf=visitor.csrf,
        **values,
    )


def _act(
    request: Request,
    state: AppState,
    node_id: str,
    form: dict[str, str],
    action: Action,
    queue: str,
) -> Response:
    """A POST of a queue page: who may, then the action; its page again with the error, or
    back to the queue with the notice."""
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    context = _pack_context if queue == "pack" else _pickups_context
    try:
        with state.unit_of_work() as uow:
            notice = action(uow)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return access.refused(request, exc)
        return _show(request, state, node_id, context, status, exc.detail, visitor)
    back = f"/stores/{quote(node_id)}/{queue}?notice={quote(notice)}"
    return RedirectResponse(back, status_code=303)
