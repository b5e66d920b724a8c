"""Store pages in the browser: a sign-in form, and the pick list with a form per pick.
Server-rendered (Jinja2), no script, no external assets.

A store key signs in once (``POST /stores/login``) and gets a server-side session: the cookie holds
a random session token only, never the key. Every form carries the session's CSRF token, and every
POST here checks it and the request's Origin (see ``oms/api/store_sessions.py`` for the session,
cookie, CSRF and Origin rules). Pages accept the X-API-Key header too, for scripts: no cookie and
no CSRF token then. Database work runs in the thread pool, never on the event loop."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oms.access import sessions as access_sessions
from oms.access.model import ApiRole
from oms.api import pages
from oms.api import store_sessions as sessions
from oms.api.auth import Principal, RateLimitedError
from oms.api.deps import StateDep, client_host
from oms.api.errors import STATUS_BY_CODE
from oms.api.state import AppState
from oms.config import get_settings
from oms.domain.errors import OmsError, UnauthorizedError, ValidationError
from oms.stores import picks

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)


@dataclass(frozen=True)
class Visitor:
    """Who is asking: by the X-API-Key header (``session`` None) or by a session cookie."""

    who: Principal
    session: sessions.SignedIn | None = None

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session is not None else ""


def _page(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    return pages.no_store(request, name, context, status)


_secure = pages.secure_cookies


def _refused(request: Request, exc: OmsError) -> HTMLResponse:
    status = STATUS_BY_CODE.get(exc.code, 400)
    if status == 401:
        page = _page(request, "login.html", 401, error=exc.detail)
        if request.cookies.get(sessions.COOKIE):  # a session that is no more: drop its cookie
            sessions.clear_cookie(page, secure=_secure(request))
        return page
    if isinstance(exc, RateLimitedError):
        page = _page(request, "login.html", status, error=exc.detail)
        page.headers.update(exc.headers)
        return page
    return _page(request, "message.html", status, title="Not allowed", message=exc.detail)


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
    done = RedirectResponse(f"/stores/{quote(row.node_id)}/picklist", status_code=303)
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
        visitor = _visitor(request, state)
        _allowed(visitor.who, node_id)
    except OmsError as exc:
        return _refused(request, exc)
    notice = request.query_params.get("notice")
    return _render(request, state, node_id, visitor, notice=notice)


@router.post("/{node_id}/picks/{pick_id}/confirm")
async def confirm(request: Request, node_id: str, pick_id: str, state: StateDep) -> Response:
    form = _form(await request.body())
    return await run_in_threadpool(_confirm, request, state, node_id, pick_id, form)


def _confirm(
    request: Request, state: AppState, node_id: str, pick_id: str, form: dict[str, str]
) -> Response:
    try:
        visitor = _poster(request, state, form)
        _allowed(visitor.who, node_id)
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
        return _render(request, state, node_id, visitor, status=status, error=exc.detail)
    notice = f"Pick {pick_id} confirmed."
    return RedirectResponse(
        f"/stores/{quote(node_id)}/picklist?notice={quote(notice)}", status_code=303
    )


# --- who is asking ------------------------------------------------------------------------------


def _visitor(request: Request, state: AppState) -> Visitor:
    """By the X-API-Key header if sent (scripts), else by the session cookie."""
    key = request.headers.get("x-api-key")
    if key:
        return Visitor(state.authenticate(key, client_host(request)))
    token = request.cookies.get(sessions.COOKIE)
    try:
        with state.read_uow() as reads:
            signed_in = access_sessions.check_session(reads, token)
    except sessions.SessionRefused as exc:
        if exc.stale is not None:  # expired, or its key revoked or expired: delete it now
            with state.unit_of_work() as uow:
                access_sessions.sign_out(uow, exc.stale)
        raise
    return Visitor(signed_in.principal, signed_in)


def _poster(request: Request, state: AppState, form: dict[str, str]) -> Visitor:
    """The visitor of a POST: from this site's own page (Origin), and with the session's CSRF
    token when it rides on the session cookie."""
    sessions.check_origin(request.headers, request.url)
    visitor = _visitor(request, state)
    if visitor.session is not None:
        sessions.check_csrf(visitor.session.csrf_token, form.get(sessions.CSRF_FIELD))
    return visitor


def _allowed(who: Principal, node_id: str) -> None:
    who.require(ApiRole.STORE)
    who.require_node(node_id)


def _render(
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
