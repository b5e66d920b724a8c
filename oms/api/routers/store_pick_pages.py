"""Store pages of the pick beyond the pick list: the batch walk and its confirmation, the
rejection of pick units with a reason code (the forms are on the pick list), and the store's
capacity controls (/stores/{node}/capacity). Each calls the
same service as its JSON twin (oms/api/routers/store_picks.py). No script, no external
assets; every POST checks the Origin and the session's CSRF token (store_page_access)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oms.api import store_page_access as access
from oms.api.deps import StateDep
from oms.api.errors import STATUS_BY_CODE
from oms.api.routers.store_pages import render_picklist
from oms.api.state import AppState
from oms.domain.errors import OmsError, ValidationError
from oms.stores import batch_picks, capacity, rejections

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)


@router.get("/{node_id}/batch", response_class=HTMLResponse)
def batch(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
    except OmsError as exc:
        return access.refused(request, exc)
    chosen = request.query_params.getlist("picks")
    try:
        with state.read_uow() as reads:
            walk = batch_picks.batch_walk(reads, node_id, chosen)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        return access.page(request, "batch.html", status, node=node_id, error=exc.detail)
    return access.page(request, "batch.html", node=node_id, walk=walk, csrf=visitor.csrf)


@router.post("/{node_id}/batch/confirm")
async def confirm_batch(request: Request, node_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_confirm_batch, request, state, node_id, form)


def _confirm_batch(
    request: Request, state: AppState, node_id: str, form: dict[str, str]
) -> Response:
    def act() -> str:
        with state.unit_of_work() as uow:
            done = batch_picks.confirm_batch(uow, node_id, _batch_counts(form))
        return f"{len(done)} picks confirmed."

    return _post(request, state, node_id, form, act)


@router.post("/{node_id}/picks/{pick_id}/reject")
async def reject(request: Request, node_id: str, pick_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_reject, request, state, node_id, pick_id, form)


def _reject(
    request: Request, state: AppState, node_id: str, pick_id: str, form: dict[str, str]
) -> Response:
    def act() -> str:
        lines = None
        if "line_id" in form:
            lines = [(form["line_id"], _whole(form.get("qty", ""), "qty"))]
        with state.unit_of_work() as uow:
            done = rejections.reject(
                uow,
                state.networks,
                node_id,
                pick_id,
                lines,
                form.get("reason", ""),
                collateral=form.get("collateral") == "on",
            )
        units = sum(sum(p.lines.values()) for p in done.picks)
        return f"{units} units rejected ({done.reason}) in {len(done.picks)} picks, re-sourced."

    return _post(request, state, node_id, form, act)


def _post(
    request: Request,
    state: AppState,
    node_id: str,
    form: dict[str, str],
    act: Callable[[], str],
) -> Response:
    """Who posts (Origin, CSRF, this store's key), then the action; back to the pick list with
    its notice, or the pick list with the error."""
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    try:
        notice = act()
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return access.refused(request, exc)
        return render_picklist(request, state, node_id, visitor, status=status, error=exc.detail)
    return RedirectResponse(
        f"/stores/{quote(node_id)}/picklist?notice={quote(notice)}", status_code=303
    )


def _whole(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValidationError([f"{name}: must be a whole number, got {value!r}"]) from None


def _batch_counts(form: dict[str, str]) -> dict[str, dict[str, int]]:
    """``picked:{pick}:{line}`` fields -> pick -> line -> units picked."""
    counts: dict[str, dict[str, int]] = {}
    for name, value in form.items():
        if name.startswith("picked:") and name.count(":") == 2:
            _, pick_id, line_id = name.split(":")
            counts.setdefault(pick_id, {})[line_id] = _whole(value, f"picked for {line_id}")
    return counts


@router.get("/{node_id}/capacity", response_class=HTMLResponse)
def capacity_page(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
    except OmsError as exc:
        return access.refused(request, exc)
    notice = request.query_params.get("notice")
    with state.read_uow() as reads:
        found = capacity.capacity_of(reads, node_id)
    return _capacity_page(request, found, visitor.csrf, notice=notice)


def _capacity_page(
    request: Request, found: capacity.Capacity, csrf: str, status: int = 200, **flash: str | None
) -> HTMLResponse:
    zone = ZoneInfo(found.timezone)
    return access.page(
        request, "capacity.html", status, node=found.node, cap=found, zone=zone, csrf=csrf, **flash
    )


@router.post("/{node_id}/capacity")
async def set_capacity(request: Request, node_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_set_capacity, request, state, node_id, form)


def _set_capacity(
    request: Request, state: AppState, node_id: str, form: dict[str, str]
) -> Response:
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    try:
        with state.unit_of_work() as uow:
            zone = ZoneInfo(uow.nodes.get(node_id).timezone)
            limit = form.get("daily_order_limit", "").strip()
            capacity.set_capacity(
                uow,
                node_id,
                _whole(limit, "daily_order_limit") if limit else None,
                form.get("paused") == "on",
                _local_time(form.get("paused_until", ""), zone),
            )
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        with state.read_uow() as reads:
            found = capacity.capacity_of(reads, node_id)
        return _capacity_page(request, found, visitor.csrf, status, error=exc.detail)
    return RedirectResponse(
        f"/stores/{quote(node_id)}/capacity?notice={quote('Capacity saved.')}", status_code=303
    )


def _local_time(value: str, zone: ZoneInfo) -> datetime | None:
    """A datetime-local field, in the store's time zone; None when empty."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=zone)
    except ValueError:
        raise ValidationError([f"paused_until: cannot read {value!r}"]) from None
