"""Who is asking on a store page, and the answer when they may not: what every store page
router shares (the pick list, and each queue of the associate's day).

A page accepts the X-API-Key header (scripts: no cookie, no CSRF token) or the store session
cookie; a POST must come from this site's own page (Origin) and carry the session's CSRF token
when it rides on the cookie (``oms/api/store_sessions.py`` has the rules)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from oms.access import sessions as access_sessions
from oms.access.model import ApiRole
from oms.api import pages
from oms.api import store_sessions as sessions
from oms.api.auth import Principal, RateLimitedError
from oms.api.deps import client_host
from oms.api.errors import STATUS_BY_CODE
from oms.api.state import AppState
from oms.domain.errors import OmsError

form_fields = sessions.form_fields
secure = pages.secure_cookies


@dataclass(frozen=True)
class Visitor:
    """Who is asking: by the X-API-Key header (``session`` None) or by a session cookie."""

    who: Principal
    session: sessions.SignedIn | None = None

    @property
    def csrf(self) -> str:
        return self.session.csrf_token if self.session is not None else ""


def page(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    """A store page; one with a form's CSRF token is a signed-in visitor's (the token is empty
    for a script's X-API-Key), which gives it the store's navigation."""
    if "csrf" in context and "signed_in" not in context:
        context["signed_in"] = bool(context["csrf"])
    return pages.no_store(request, name, context, status)


def refused(request: Request, exc: OmsError) -> HTMLResponse:
    """The page for a caller who may not: sign in (401), wait (429), or not allowed."""
    status = STATUS_BY_CODE.get(exc.code, 400)
    if status == 401:
        answer = page(request, "login.html", 401, error=exc.detail)
        if request.cookies.get(sessions.COOKIE):  # a session that is no more: drop its cookie
            sessions.clear_cookie(answer, secure=secure(request))
        return answer
    if isinstance(exc, RateLimitedError):
        answer = page(request, "login.html", status, error=exc.detail)
        answer.headers.update(exc.headers)
        return answer
    return page(request, "message.html", status, title="Not allowed", message=exc.detail)


def visitor(request: Request, state: AppState) -> Visitor:
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


def poster(request: Request, state: AppState, form: dict[str, str]) -> Visitor:
    """The visitor of a POST: from this site's own page (Origin), and with the session's CSRF
    token when it rides on the session cookie."""
    sessions.check_origin(request.headers, request.url)
    found = visitor(request, state)
    if found.session is not None:
        sessions.check_csrf(found.session.csrf_token, form.get(sessions.CSRF_FIELD))
    return found


def store_visitor(
    request: Request, state: AppState, node_id: str, form: dict[str, str] | None = None
) -> Visitor:
    """This store's own key or session, asking (``form`` None) or posting ``form`` (Origin and
    CSRF checked): every store page starts here."""
    found = visitor(request, state) if form is None else poster(request, state, form)
    allowed(found.who, node_id)
    return found


def allowed(who: Principal, node_id: str) -> None:
    """A store key, of this store."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
