"""Store pages in the browser: a sign-in form, and the pick list with a form per pick.
Server-rendered (Jinja2), no script, no external assets.

A store key signs in once (``POST /stores/login``) and gets a server-side session: the cookie holds
a random session token only, never the key. Every form carries the session's CSRF token, and every
POST here checks it and the request's Origin (see ``oms/api/store_sessions.py`` for the session,
cookie, CSRF and Origin rules). Pages accept the X-API-Key header too, for scripts: no cookie and
no CSRF token then. Database work runs in the thread pool, never on the event loop."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oms.access import sessions as access_sessions
from oms.api import store_page_access as access
from oms.api import store_sessions as sessions
from oms.api.auth import RateLimitedError
from oms.api.deps import StateDep, client_host
from oms.api.errors import STATUS_BY_CODE
from oms.api.state import AppState
from oms.config import get_settings
from oms.domain.errors import OmsError, UnauthorizedError, ValidationError
from oms.stores import picks
from oms.stores.rejection_reasons import REASONS

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)
Visitor = access.Visitor
_page, _refused, _secure = access.page, access.refused, access.secure


# --- signing in and out ------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login.html")


@router.post("/login")
async def login(request: Request, state: StateDep) -> Response:
    form = _form(await request.body())
    return await run_in_threadpool(_sign_in, request, state, form.get("key", ""))


def _sign_in(request: Request, state: AppState, key: str) -> Response:
    minutes = get_settings().store_session_minutes
    try:
        # No session yet, so no CSRF token: the origin check stops another site's sign-in form.
        sessions.check_origin(request.headers, request.url)
        if not key:
            raise UnauthorizedError("enter your store key")
        who = state.authenticate(key, client_host(request))
        with state.unit_of_work() as uow:
            previous = request.cookies.get(sessions.COOKIE)
            token, row = access_sessions.sign_in(uow, who, minutes, previous_token=previous)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        page = _page(request, "login.html", status, error=exc.detail)
        if isinstance(exc, RateLimitedError):
            page.headers.update(exc.headers)
        return page
    assert row.node_id is not None  # a store key's session is bound to its store
    done = RedirectResponse(f"/stores/{quote(row.node_id)}", status_code=303)
    sessions.set_cookie(done, token, secure=_secure(request), minutes=minutes)
    return done


@router.post("/logout")
async def logout(request: Request, state: StateDep) -> Response:
    form = _form(await request.body())
    return await run_in_threadpool(_sign_out, request, state, form.get(sessions.CSRF_FIELD))


def _sign_out(request: Request, state: AppState, csrf: str | None) -> Response:
    token = request.cookies.get(sessions.COOKIE)
    try:
        sessions.check_origin(request.headers, request.url)
        if token:
            with state.unit_of_work() as uow:
                row = access_sessions.find_session(uow, token)
                if row is not None:  # a session still there: only its own page ends it
                    sessions.check_csrf(row.csrf_token, csrf)
                    access_sessions.sign_out(uow, row.id)
    except OmsError as exc:
        return _refused(request, exc)
    done = RedirectResponse("/stores/login", status_code=303)
    sessions.clear_cookie(done, secure=_secure(request))
    return done


# --- the pick list -----------------------------------------------------------------------------


@router.get("/{node_id}/picklist", response_class=HTMLResponse)
def picklist(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
    except OmsError as exc:
        return _refused(request, exc)
    notice = request.query_params.get("notice")
    return render_picklist(request, state, node_id, visitor, notice=notice)


@router.post("/{node_id}/picks/{pick_id}/confirm")
async def confirm(request: Request, node_id: str, pick_id: str, state: StateDep) -> Response:
    form = _form(await request.body())
    return await run_in_threadpool(_confirm, request, state, node_id, pick_id, form)


def _confirm(
    request: Request, state: AppState, node_id: str, pick_id: str, form: dict[str, str]
) -> Response:
    try:
        visitor = access.store_visitor(request, state, node_id, form)
    except OmsError as exc:
        return _refused(request, exc)
    try:
        counts = _counts(form)
        with state.unit_of_work() as uow:
            picks.confirm_from_list(uow, pick_id, counts, node_id=node_id)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403):
            return _refused(request, exc)
        return render_picklist(request, state, node_id, visitor, status=status, error=exc.detail)
    notice = f"Pick {pick_id} confirmed."
    return RedirectResponse(
        f"/stores/{quote(node_id)}/picklist?notice={quote(notice)}", status_code=303
    )


def render_picklist(
    request: Request,
    state: AppState,
    node_id: str,
    visitor: Visitor,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    with state.read_uow() as reads:
        found = picks.open_picks(reads, node_id)
    return _page(
        request,
        "picklist.html",
        status,
        node=node_id,
        picks=found,
        reasons=list(REASONS.values()),
        notice=notice,
        error=error,
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )


_form = sessions.form_fields


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
