"""The store's incoming transfers in the browser: the shipments on their way to this pickup
store, each with a form to count it on arrival. The same service as the JSON route
(oms/stores/receiving.py). Server-rendered, no script, no external assets."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oms.api import store_page_access as access
from oms.api.deps import StateDep
from oms.api.errors import STATUS_BY_CODE
from oms.api.state import AppState
from oms.domain.errors import OmsError, ValidationError
from oms.stores import receiving

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)
RECEIVED_FIELD = "received:"


@router.get("/{node_id}/incoming", response_class=HTMLResponse)
def incoming(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
    except OmsError as exc:
        return access.refused(request, exc)
    notice = request.query_params.get("notice")
    return _render(request, state, node_id, visitor, notice=notice)


@router.post("/{node_id}/shipments/{shipment_id}/receive")
async def receive(request: Request, node_id: str, shipment_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_receive, request, state, node_id, shipment_id, form)


def _receive(
    request: Request, state: AppState, node_id: str, shipment_id: str, form: dict[str, str]
) -> Response:
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    try:
        counts = received_counts(form)
        with state.unit_of_work() as uow:
            done = receiving.receive_transfer(
                uow, state.networks, shipment_id, counts, store=node_id
            )
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return access.refused(request, exc)
        return _render(request, state, node_id, visitor, status=status, error=exc.detail)
    notice = f"Shipment {shipment_id} received: order {done.order.id} is {done.order.status}."
    short = sum(-ln.difference for ln in done.lines if ln.difference < 0)
    extra = sum(ln.difference for ln in done.lines if ln.difference > 0)
    if short:
        notice += f" {short} missing unit(s) sourced again or refunded."
    if extra:
        notice += f" {extra} extra unit(s) put into this store's stock."
    return RedirectResponse(
        f"/stores/{quote(node_id)}/incoming?notice={quote(notice)}", status_code=303
    )


def _render(
    request: Request,
    state: AppState,
    node_id: str,
    visitor: access.Visitor,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    with state.read_uow() as reads:
        transfers = receiving.incoming_transfers(reads, node_id)
    return access.page(
        request,
        "incoming.html",
        status,
        node=node_id,
        transfers=transfers,
        notice=notice,
        error=error,
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )


def received_counts(form: dict[str, str]) -> dict[str, int]:
    """``received:<line>`` fields as whole numbers (every fault named)."""
    counts, problems = {}, []
    for name, value in form.items():
        if not name.startswith(RECEIVED_FIELD):
            continue
        line = name.removeprefix(RECEIVED_FIELD)
        try:
            counts[line] = int(value)
        except ValueError:
            problems.append(f'lines: received for "{line}" must be a whole number, got {value!r}')
    if problems:
        raise ValidationError(problems)
    return counts
