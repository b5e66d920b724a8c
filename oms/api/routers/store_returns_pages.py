"""The returns desk in the browser: find the order a customer brings back (by number, e-mail or
phone, any channel), open the return at this counter with its reason, receive each line with its
condition, and show what the engine decided (disposition) and the refund. The same services as
the JSON routes (oms/orders/desk_lookup.py, oms/returns/service.py). Server-rendered, no script,
no external assets."""

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
from oms.orders.desk_lookup import DeskOrder, desk_lookup
from oms.returns import RequestLine, ReturnRequest
from oms.returns import service as returns
from oms.returns.disposition import Condition
from oms.returns.lifecycle import ALLOWED, ReturnStatus
from oms.returns.policy import Reason

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)
QTY_FIELD, CONDITION_FIELD = "qty:", "condition:"
REASONS = [r.value for r in Reason]
CONDITIONS = [c.value for c in Condition]


# --- find the order, open the return -----------------------------------------------------------


@router.get("/{node_id}/returns", response_class=HTMLResponse)
def desk(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
    except OmsError as exc:
        return access.refused(request, exc)
    q = request.query_params.get("q", "").strip()
    return _render_desk(request, state, node_id, visitor, q)


@router.post("/{node_id}/returns")
async def open_return(request: Request, node_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_open, request, state, node_id, form)


def _open(request: Request, state: AppState, node_id: str, form: dict[str, str]) -> Response:
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    order_id = form.get("order_id", "")
    try:
        req = ReturnRequest(
            lines=tuple(RequestLine(k, q) for k, q in _numbers(form, QTY_FIELD).items() if q),
            reason=form.get("reason", ""),
            method="in_store",
            store=node_id,
        )
        if not req.lines:
            raise ValidationError(["lines: enter the units the customer brings back"])
        with state.unit_of_work() as uow:
            view = returns.create_return(uow, order_id, req, store=node_id)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return access.refused(request, exc)
        return _render_desk(request, state, node_id, visitor, order_id, status, exc.detail)
    return RedirectResponse(_return_url(node_id, view.id), status_code=303)


def _render_desk(
    request: Request,
    state: AppState,
    node_id: str,
    visitor: access.Visitor,
    q: str,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    orders: list[DeskOrder] = []
    if q:
        try:
            with state.read_uow() as reads:
                orders = desk_lookup(reads, q)
        except ValidationError as exc:
            status, error = 422, exc.detail
    return access.page(
        request,
        "returns_desk.html",
        status,
        node=node_id,
        q=q,
        orders=orders,
        reasons=REASONS,
        error=error,
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )


# --- the return: receive it, see the disposition and the refund ---------------------------------


@router.get("/{node_id}/returns/{return_id}", response_class=HTMLResponse)
def one_return(request: Request, node_id: str, return_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
        return _render_return(request, state, node_id, return_id, visitor)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403, 429):
            return access.refused(request, exc)
        return access.page(request, "message.html", status, title="Not found", message=exc.detail)


@router.post("/{node_id}/returns/{return_id}/receive")
async def receive(request: Request, node_id: str, return_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_receive, request, state, node_id, return_id, form)


def _receive(
    request: Request, state: AppState, node_id: str, return_id: str, form: dict[str, str]
) -> Response:
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    lines = [
        (name.removeprefix(CONDITION_FIELD), value)
        for name, value in form.items()
        if name.startswith(CONDITION_FIELD)
    ]
    try:
        with state.unit_of_work() as uow:
            returns.receive(uow, state.networks, return_id, lines, store=node_id)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return access.refused(request, exc)
        try:
            return _render_return(request, state, node_id, return_id, visitor, status, exc.detail)
        except OmsError as missing:
            return access.refused(request, missing)
    notice = quote("Return received.")
    return RedirectResponse(f"{_return_url(node_id, return_id)}?notice={notice}", status_code=303)


def _render_return(
    request: Request,
    state: AppState,
    node_id: str,
    return_id: str,
    visitor: access.Visitor,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    with state.read_uow() as reads:
        view = returns.show_return(reads, return_id, node_id)
    receivable = ReturnStatus.RECEIVED in ALLOWED[ReturnStatus(view.status)]
    return access.page(
        request,
        "return_desk.html",
        status,
        node=node_id,
        rma=view,
        receivable=receivable and view.destination == node_id,
        conditions=CONDITIONS,
        notice=request.query_params.get("notice"),
        error=error,
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )


def _return_url(node_id: str, return_id: str) -> str:
    return f"/stores/{quote(node_id)}/returns/{quote(return_id)}"


def _numbers(form: dict[str, str], prefix: str) -> dict[str, int]:
    """``<prefix><line>`` fields as whole numbers (every fault named)."""
    found, problems = {}, []
    for name, value in form.items():
        if not name.startswith(prefix) or not value.strip():
            continue
        line = name.removeprefix(prefix)
        try:
            found[line] = int(value)
        except ValueError:
            problems.append(f'lines: units for "{line}" must be a whole number, got {value!r}')
    if problems:
        raise ValidationError(problems)
    return found
