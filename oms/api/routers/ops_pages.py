"""Ops pages in the browser: a sign-in form for ops keys, the live KPIs with a chart of each
over time (`/ops/kpis`), and one order with "Why this node" (`/ops/orders/{id}`).
Server-rendered (Jinja2, inline SVG charts), no script, no external assets.

Sessions are the store pages' (``oms/api/store_sessions.py``, ``oms/access/sessions.py``): an
ops key signs in once (``POST /ops/login``), the browser keeps a random token in the cookie
``oms_ops_session`` (``Path=/ops``), POSTs pass the Origin and CSRF checks. Pages accept the
X-API-Key header too, for scripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from oms.access import sessions as access_sessions
from oms.access.model import ApiRole
from oms.api import pages
from oms.api import store_sessions as sessions
from oms.api.auth import Principal, RateLimitedError
from oms.api.deps import StateDep, client_host
from oms.api.errors import STATUS_BY_CODE
from oms.api.explain_schemas import OrderExplanationOut
from oms.api.kpi_charts import Line, line_chart
from oms.api.state import AppState
from oms.config import get_settings
from oms.domain.errors import OmsError, UnauthorizedError
from oms.kpis.rules import Rate
from oms.kpis.service import DEFINITIONS, Kpi, LiveKpis, kpis_asked
from oms.orders.explain import order_with_explanation

router = APIRouter(prefix="/ops", tags=["ops pages"], include_in_schema=False)
COOKIE = {"name": sessions.OPS_COOKIE, "path": sessions.OPS_COOKIE_PATH}
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class Card:
    """One KPI as the page shows it."""

    key: str
    label: str
    value: str
    detail: str
    definition: str
    chart: Markup


_page = pages.no_store
_secure = pages.secure_cookies


def _login_page(request: Request, exc: OmsError) -> HTMLResponse:
    status = STATUS_BY_CODE.get(exc.code, 400)
    page = _page(request, "ops_login.html", {"error": exc.detail}, status)
    if isinstance(exc, RateLimitedError):
        page.headers.update(exc.headers)
    return page


# --- signing in and out ------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "ops_login.html", {})


@router.post("/login")
async def login(request: Request, state: StateDep) -> Response:
    form = sessions.form_fields(await request.body())
    return await run_in_threadpool(_sign_in, request, state, form.get("key", ""))


def _sign_in(request: Request, state: AppState, key: str) -> Response:
    minutes = get_settings().store_session_minutes
    try:
        sessions.check_origin(request.headers, request.url)
        if not key:
            raise UnauthorizedError("enter your ops key")
        who = state.authenticate(key, client_host(request))
        with state.unit_of_work() as uow:
            previous = request.cookies.get(sessions.OPS_COOKIE)
            token, _ = access_sessions.sign_in(
                uow, who, minutes, previous_token=previous, role=ApiRole.OPS
            )
    except OmsError as exc:
        return _login_page(request, exc)
    done = RedirectResponse("/ops/kpis", status_code=303)
    sessions.set_cookie(done, token, secure=_secure(request), minutes=minutes, **COOKIE)
    return done


@router.post("/logout")
async def logout(request: Request, state: StateDep) -> Response:
    form = sessions.form_fields(await request.body())
    return await run_in_threadpool(_sign_out, request, state, form.get(sessions.CSRF_FIELD))


def _sign_out(request: Request, state: AppState, csrf: str | None) -> Response:
    token = request.cookies.get(sessions.OPS_COOKIE)
    try:
        sessions.check_origin(request.headers, request.url)
        if token:
            with state.unit_of_work() as uow:
                row = access_sessions.find_session(uow, token)
                if row is not None:
                    sessions.check_csrf(row.csrf_token, csrf)
                    access_sessions.sign_out(uow, row.id)
    except OmsError as exc:
        return _not_allowed(request, exc)
    done = RedirectResponse("/ops/login", status_code=303)
    sessions.clear_cookie(done, secure=_secure(request), **COOKIE)
    return done


# --- the KPIs ----------------------------------------------------------------------------------


@router.get("/kpis", response_class=HTMLResponse)
def kpis_page(request: Request, state: StateDep) -> HTMLResponse:
    try:
        who, csrf = _visitor(request, state)
        who.require(ApiRole.OPS)
    except OmsError as exc:
        if STATUS_BY_CODE.get(exc.code) == 401:
            page = _login_page(request, exc)
            if request.cookies.get(sessions.OPS_COOKIE):
                sessions.clear_cookie(page, secure=_secure(request), **COOKIE)
            return page
        return _not_allowed(request, exc)
    q = request.query_params
    start, end = _day_bounds(q.get("from"), q.get("to"))
    bucket = q.get("bucket") or "day"
    shown: dict[str, object] = {
        "from": q.get("from") or start[:10],
        "to": q.get("to") or datetime.now(UTC).date().isoformat(),
        "bucket": bucket,
        "csrf": csrf,
    }
    try:
        with state.unit_of_work() as uow:
            found = kpis_asked(uow, start, end, bucket, outcomes=state.networks.outcomes)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        return _page(request, "ops_kpis.html", {**shown, "error": exc.detail, "cards": []}, status)
    return _page(request, "ops_kpis.html", {**shown, "cards": kpi_cards(found)})


# --- one order: "Why this node" ----------------------------------------------------------------


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str, state: StateDep) -> HTMLResponse:
    """An order's lines and allocations, and why it is sourced as it is (GET
    /v1/orders/{id}/explain, rendered)."""
    try:
        who, csrf = _visitor(request, state)
        who.require(ApiRole.OPS)
    except OmsError as exc:
        if STATUS_BY_CODE.get(exc.code) == 401:
            return _login_page(request, exc)
        return _not_allowed(request, exc)
    try:
        with state.unit_of_work() as uow:
            view, found = order_with_explanation(uow, state.networks, order_id, None)
    except OmsError as exc:
        missing: dict[str, object] = {"title": "Not found", "message": exc.detail}
        return _page(request, "message.html", missing, STATUS_BY_CODE.get(exc.code, 400))
    why = OrderExplanationOut.of(found)
    context: dict[str, object] = {"order": view, "why": why, "csrf": csrf, "logout": "/ops/logout"}
    return _page(request, "order_explain.html", context)


def _not_allowed(request: Request, exc: OmsError) -> HTMLResponse:
    context: dict[str, object] = {"title": "Not allowed", "message": exc.detail}
    return _page(request, "message.html", context, 403)


def _visitor(request: Request, state: AppState) -> tuple[Principal, str]:
    """Who is asking (X-API-Key header, else the ops session cookie) and the session's CSRF
    token for the page's forms ("" without a session)."""
    key = request.headers.get("x-api-key")
    if key:
        return state.authenticate(key, client_host(request)), ""
    token = request.cookies.get(sessions.OPS_COOKIE)
    try:
        with state.read_uow() as reads:
            signed_in = access_sessions.check_session(reads, token, role=ApiRole.OPS)
    except sessions.SessionRefused as exc:
        if exc.stale is not None:
            with state.unit_of_work() as uow:
                access_sessions.sign_out(uow, exc.stale)
        raise
    return signed_in.principal, signed_in.csrf_token


def _day_bounds(start: str | None, end: str | None) -> tuple[str, str]:
    """The form's dates (YYYY-MM-DD, UTC days, ``to`` included) as the API's instants; by
    default the last DEFAULT_DAYS days up to today. A value that is no date is passed on as
    given: the KPIs' own check names it."""
    last = _as_date(end) if end else datetime.now(UTC).date()
    first = _as_date(start) if start else None
    if not start and last is not None:
        first = last - timedelta(days=DEFAULT_DAYS - 1)
    end_text = _midnight(last + timedelta(days=1)) if last else end
    start_text = _midnight(first) if first else start
    return start_text or "", end_text or ""


def _midnight(day: date) -> str:
    return f"{day.isoformat()}T00:00:00+00:00"


def _as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


LABELS = {
    "omnichannel_share": "Omnichannel order share",
    "availability_rate": "Availability at promise time",
    "on_time_rate": "On-time rate",
    "order_error_rate": "Order error rate",
    "cross_channel_return_rate": "Cross-channel return rate",
    "stock_accuracy": "Stock accuracy",
}


def kpi_cards(k: LiveKpis) -> list[Card]:
    labels = [s.strftime("%d %b") for s, _ in k.orders_by_channel.series]
    cards = [_channels_card(k, labels), _processing_card(k, labels)]
    cards += [_rate_card(key, getattr(k, key), labels) for key in LABELS]
    return cards


def _rate_card(key: str, kpi: Kpi[Rate], labels: list[str]) -> Card:
    total, label = kpi.total, LABELS[key]
    value = "n/a" if total.value is None else f"{total.value * 100:.1f}%"
    detail = f"{total.numerator} / {total.denominator}"
    if kpi.reason:
        detail = f"{detail} ({kpi.reason})"
    chart = line_chart(label, labels, [Line(label, [r.value for _, r in kpi.series])], share=True)
    return Card(key, label, value, detail, DEFINITIONS[key], chart)


def _channels_card(k: LiveKpis, labels: list[str]) -> Card:
    kpi = k.orders_by_channel
    channels = sorted({c for _, v in kpi.series for c in v})
    lines = [Line(c, [float(v.get(c, 0)) for _, v in kpi.series]) for c in channels]
    detail = ", ".join(f"{c}: {n}" for c, n in kpi.total.items()) or "no order"
    value = str(sum(kpi.total.values()))
    chart = line_chart("Orders by channel", labels, lines)
    key = "orders_by_channel"
    return Card(key, "Orders by channel", value, detail, DEFINITIONS[key], chart)


def _processing_card(k: LiveKpis, labels: list[str]) -> Card:
    kpi, key = k.processing_hours, "processing_hours"
    t = kpi.total
    value = "n/a" if t.p50 is None else f"{t.p50:.1f} h"
    detail = f"p90 {t.p90:.1f} h over {t.count} orders" if t.p90 is not None else "no order yet"
    lines = [
        Line("p50", [p.p50 for _, p in kpi.series]),
        Line("p90", [p.p90 for _, p in kpi.series]),
    ]
    chart = line_chart("Order processing time (hours)", labels, lines)
    return Card(key, "Order processing time", value, detail, DEFINITIONS[key], chart)
