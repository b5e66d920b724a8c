"""What the HTML pages share (the store app, the ops pages, the customer tracking page): the
templates, pages no cache keeps, and whether cookies must be Secure."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from oms.api import store_sessions as sessions
from oms.config import get_settings

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def no_store(
    request: Request, name: str, context: Mapping[str, object], status: int = 200
) -> HTMLResponse:
    """The page, never kept by a cache: pages carry a session's CSRF token or an order's
    details."""
    page = TEMPLATES.TemplateResponse(request, name, dict(context), status_code=status)
    page.headers["Cache-Control"] = "no-store"
    return page


def secure_cookies(request: Request) -> bool:
    client = request.client.host if request.client else None
    return sessions.cookie_is_secure(get_settings().cookie_secure, request.url.scheme, client)
