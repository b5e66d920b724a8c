"""Store pages in the browser: a login form that keeps the key in a cookie, and the pick list
with a form per pick. Server-rendered (Jinja2), no external assets. Pages accept the
X-API-Key header too. The cookie is HttpOnly and SameSite=Strict, so another site cannot post
the forms with it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from oms.api.auth import Principal
from oms.api.deps import StateDep
from oms.api.errors import STATUS_BY_CODE
from oms.db.statuses import ApiRole
from oms.domain.errors import OmsError, ValidationError
from oms.stores import picks

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)
TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")
COOKIE = "oms_key"


def _page(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _principal(request: Request, state: StateDep) -> Principal:
    key = request.headers.get("x-api-key") or request.cookies.get(COOKIE)
    return state.authenticate(key)


def _refused(request: Request, exc: OmsError) -> HTMLResponse:
    status = STATUS_BY_CODE.get(exc.code, 400)
    if status == 401:
        return _page(request, "login.html", 401, error=exc.detail)
    return _page(request, "message.html", status, title="Not allowed", message=exc.detail)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html", node=request.query_params.get("node"))


@router.post("/login")
async def login(request: Request, state: StateDep) -> Response:
    form = _form(await request.body())
    key, node = form.get("key", ""), form.get("node", "").strip()
    try:
        who = state.authenticate(key)
        target = who.node_id if who.role is ApiRole.STORE else node
        if not target:
            raise ValidationError(["node: an ops key must name the store to open"])
        who.require(ApiRole.STORE)
        who.require_node(target)
    except OmsError as exc:
        return _page(request, "login.html", 401, error=exc.detail, node=node)
    page = RedirectResponse(f"/stores/{quote(target)}/picklist", status_code=303)
    page.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/stores")
    return page


@router.post("/logout")
def logout() -> Response:
    page = RedirectResponse("/stores/login", status_code=303)
    page.delete_cookie(COOKIE, path="/stores")
    return page


@router.get("/{node_id}/picklist", response_class=HTMLResponse)
def picklist(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        _allowed(_principal(request, state), node_id)
    except OmsError as exc:
        return _refused(request, exc)
    notice = request.query_params.get("notice")
    return _render(request, state, node_id, notice=notice)


@router.post("/{node_id}/picks/{pick_id}/confirm")
async def confirm(request: Request, node_id: str, pick_id: str, state: StateDep) -> Response:
    form = _form(await request.body())
    try:
        _allowed(_principal(request, state), node_id)
        counts = _counts(form)
        with state.unit_of_work() as uow:
            pick = picks.get_pick(uow.session, pick_id)
            if pick.node_id != node_id:
                raise ValidationError([f'pick: "{pick_id}" is not a pick of {node_id}'])
            picks.confirm(uow.session, state.networks, pick_id, counts)
            uow.commit()
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return _refused(request, exc)
        return _render(request, state, node_id, status=status, error=exc.detail)
    notice = f"Pick {pick_id} confirmed."
    return RedirectResponse(
        f"/stores/{quote(node_id)}/picklist?notice={quote(notice)}", status_code=303
    )


def _allowed(who: Principal, node_id: str) -> None:
    who.require(ApiRole.STORE)
    who.require_node(node_id)


def _render(
    request: Request,
    state: StateDep,
    node_id: str,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    with state.read_session() as session:
        found = picks.open_picks(session, node_id)
    return _page(
        request, "picklist.html", status, node=node_id, picks=found, notice=notice, error=error
    )


def _form(body: bytes) -> dict[str, str]:
    """An urlencoded form (first value of each field): no multipart dependency needed."""
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def _counts(form: dict[str, str]) -> dict[str, int]:
    counts, problems = {}, []
    for name, value in form.items():
        if not name.startswith("picked:"):
            continue
        line = name.removeprefix("picked:")
        try:
            counts[line] = int(value)
        except ValueError:
            problems.append(f'lines: picked for "{line}" must be a whole number, got {value!r}')
    if problems:
        raise ValidationError(problems)
    return counts
