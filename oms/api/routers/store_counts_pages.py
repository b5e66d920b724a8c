"""The associate's stock counts: the counts ops requested at the store, and a count's page with
a box per SKU. Submitting calls the service of ``POST /v1/stores/{node}/counts/{id}/submit``."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oms.api import store_page_access as access
from oms.api.deps import StateDep
from oms.api.errors import STATUS_BY_CODE
from oms.api.routers.store_counts import threshold
from oms.api.state import AppState
from oms.catalog import stock_counts as counts
from oms.domain.errors import OmsError, ValidationError
from oms.stores.counts_model import CountStatus

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)


@router.get("/{node_id}/counts", response_class=HTMLResponse)
def counts_page(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
        with state.read_uow() as reads:
            found = [
                counts.count_of(reads, node_id, c.id) for c in counts.open_counts(reads, node_id)
            ]
    except OmsError as exc:
        return access.refused(request, exc)
    return access.page(
        request,
        "store_counts.html",
        node=node_id,
        counts=found,
        notice=request.query_params.get("notice"),
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )


@router.get("/{node_id}/counts/{count_id}", response_class=HTMLResponse)
def count_page(request: Request, node_id: str, count_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
    except OmsError as exc:
        return access.refused(request, exc)
    return _render(request, state, node_id, count_id, visitor)


@router.post("/{node_id}/counts/{count_id}/submit")
async def submit(request: Request, node_id: str, count_id: str, state: StateDep) -> Response:
    form = access.form_fields(await request.body())
    return await run_in_threadpool(_submit, request, state, node_id, count_id, form)


def _submit(
    request: Request, state: AppState, node_id: str, count_id: str, form: dict[str, str]
) -> Response:
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return access.refused(request, exc)
    try:
        found = _counted(form)
        with state.unit_of_work() as uow:
            view = counts.submit_count(uow, state.networks, threshold(), node_id, count_id, found)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return access.refused(request, exc)
        return _render(request, state, node_id, count_id, visitor, status, exc.detail, form)
    if view.count.status is CountStatus.APPLIED:
        notice = f"Count {count_id} applied: the stock now shows what you counted."
    else:
        notice = f"Count {count_id} sent: a difference is beyond the threshold, ops will review it."
    return RedirectResponse(
        f"/stores/{quote(node_id)}/counts?notice={quote(notice)}", status_code=303
    )


def _render(
    request: Request,
    state: AppState,
    node_id: str,
    count_id: str,
    visitor: access.Visitor,
    status: int = 200,
    error: str | None = None,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    try:
        with state.read_uow() as reads:
            view = counts.count_of(reads, node_id, count_id)
            names = {s.id: s.name for s in reads.skus.list_by(id=[x.sku_id for x in view.lines])}
    except OmsError as exc:
        return access.refused(request, exc)
    return access.page(
        request,
        "store_count.html",
        status,
        node=node_id,
        view=view,
        names=names,
        entered=entered or {},
        error=error,
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )


def _counted(form: dict[str, str]) -> dict[str, int]:
    found, problems = {}, []
    for name, value in form.items():
        if not name.startswith("counted:"):
            continue
        sku = name.removeprefix("counted:")
        try:
            found[sku] = int(value)
        except ValueError:
            problems.append(f'lines: counted for "{sku}" must be a whole number, got {value!r}')
    if problems:
        raise ValidationError(problems)
    return found
