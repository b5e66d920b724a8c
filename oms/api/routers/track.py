"""The customer's tracking page: ``GET /track`` shows a form (order number, e-mail); the form
posts to ``POST /track``, so the e-mail never lands in a URL, a log line or the history.

No API key: the e-mail the order was placed with is the key. A wrong e-mail and an unknown
order get the same page, status (404) and code path (``oms/stores/customer_tracking.py``).
Failed lookups are counted per client address (an IPv6 address by its /64): past
``OMS_TRACK_FAILURES`` (5) within ``OMS_TRACK_WINDOW_MINUTES`` (15), the address gets a 429 page
with ``Retry-After`` and no lookup is made, right or wrong, until a failure leaves the window.
Successful lookups do not count. The count lives in the serving process's memory (a bounded,
thread-safe sliding window, ``FailureThrottle``): with N workers an address may try N times the
limit, and a restart forgets it. Posts pass the store pages' origin check (a foreign
``Origin`` is 403); there is no session, so no CSRF token to carry. Server-rendered, no
script; the security headers of every page apply. Not in /openapi.json (an HTML page)."""

from __future__ import annotations

import math
import threading
from datetime import UTC, datetime
from time import monotonic
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from oms.api import pages
from oms.api.auth import FailureThrottle, address_of
from oms.api.deps import client_host, state_of
from oms.api.state import AppState
from oms.api.store_sessions import check_origin
from oms.config import get_settings
from oms.domain.errors import ForbiddenError
from oms.domain.limits import ID_LENGTH
from oms.orders.tracking import TrackingStatus
from oms.stores.customer_tracking import CustomerTracking, look_up

router = APIRouter(tags=["tracking page"], include_in_schema=False)
EMAIL_LENGTH = 254
NOT_FOUND = (
    "We could not find an order with this number and e-mail address. Check both and try again."
)
ORDER_STATUS = {
    "created": "Order received",
    "allocated": "Being prepared",
    "picking": "Being prepared",
    "ready_for_pickup": "Ready for pickup",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "collected": "Collected",
    "expired": "Not collected in time",
    "cancelled": "Cancelled",
}
TRACKING_STATUS = {
    TrackingStatus.LABEL_CREATED: "Label created",
    TrackingStatus.IN_TRANSIT: "In transit",
    TrackingStatus.OUT_FOR_DELIVERY: "Out for delivery",
    TrackingStatus.ATTEMPTED_DELIVERY: "Delivery attempted",
    TrackingStatus.DELAYED: "Delayed",
    TrackingStatus.READY_FOR_PICKUP: "Ready for pickup",
    TrackingStatus.PICKED_UP: "Picked up",
    TrackingStatus.DELIVERED: "Delivered",
    TrackingStatus.EXCEPTION: "Problem reported",
}
_throttle_lock = threading.Lock()


def _when(at: datetime | str) -> str:
    instant = datetime.fromisoformat(at) if isinstance(at, str) else at
    return instant.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


pages.TEMPLATES.env.filters["when"] = _when


def throttle_of(request: Request) -> FailureThrottle:
    """The app's failed-lookup counter (one per app, made at first use)."""
    app_state = request.app.state
    with _throttle_lock:
        found: FailureThrottle | None = getattr(app_state, "track_throttle", None)
        if found is None:
            settings = get_settings()
            window_s = settings.track_window_minutes * 60.0
            found = FailureThrottle(settings.track_failures, window_s=window_s)
            app_state.track_throttle = found
    return found


def _page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    context = {"order_status": ORDER_STATUS, "tracking_status": TRACKING_STATUS, **context}
    return pages.no_store(request, "track.html", context, status)


@router.get("/track", response_class=HTMLResponse)
def track_form(request: Request) -> HTMLResponse:
    return _page(request)


@router.post("/track", response_class=HTMLResponse)
async def track(request: Request) -> HTMLResponse:
    form = _form(await request.body())
    order_number, email = form.get("order", "").strip(), form.get("email", "").strip()
    try:
        check_origin(request.headers, request.url)
    except ForbiddenError as exc:
        return _page(request, 403, error=exc.detail)
    if not order_number or not email:
        return _page(request, 422, error="Enter your order number and e-mail address.")
    throttle, address = throttle_of(request), address_of(client_host(request)) or "unknown"
    wait = throttle.retry_after(address, monotonic())
    if wait > 0:
        return _too_many(request, wait)
    found = await run_in_threadpool(_look_up, state_of(request), order_number, email)
    if found is None:
        throttle.failed(address, monotonic())
        return _page(request, 404, error=NOT_FOUND, order=order_number)
    return _page(request, found=found)


def _look_up(state: AppState, order_number: str, email: str) -> CustomerTracking | None:
    # Over-long input matches nothing; it goes the same way as any other miss.
    order_number = order_number if len(order_number) <= ID_LENGTH else ""
    with state.read_uow() as reads:
        return look_up(reads, order_number, email[: EMAIL_LENGTH + 1])


def _too_many(request: Request, wait: float) -> HTMLResponse:
    seconds = max(1, math.ceil(wait))
    minutes = max(1, math.ceil(seconds / 60))
    error = f"Too many unsuccessful searches from your network. Try again in {minutes} min."
    page = _page(request, 429, error=error)
    page.headers["Retry-After"] = str(seconds)
    return page


def _form(body: bytes) -> dict[str, str]:
    """An urlencoded form (first value of each field)."""
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}
