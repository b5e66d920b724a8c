"""Security headers, added by a pure ASGI middleware (a wrapped ``send``: no request or response
objects, no thread hop, so the promise fast lane behind it pays one header scan).

- Every response: ``X-Content-Type-Options: nosniff``.
- Every ``text/html`` response: ``Content-Security-Policy`` (``HTML_POLICY``: nothing but the
  page's own inline styles and same-origin images; no script at all, forms post only to this
  origin, never framed), ``X-Frame-Options: DENY`` and ``Referrer-Policy: same-origin``.
- FastAPI's /docs (Swagger UI), its OAuth2 redirect page and /redoc load their script and styles
  from a CDN and run inline script, so they get ``DOCS_POLICY`` instead, which keeps them from
  being framed and pins ``base-uri``/``object-src`` but leaves scripts to the page.

``same-origin`` rather than ``no-referrer``: under ``no-referrer`` a browser sends ``Origin: null``
with the page's own form posts (Fetch standard, "append a request Origin header"), and the store
pages refuse a foreign Origin (``oms/api/store_sessions.py``). Other sites still get no Referer.

A header the app already set on a response is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTML_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_POLICY = "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
REFERRER_POLICY = "same-origin"

Header = tuple[bytes, bytes]
_NOSNIFF: Header = (b"x-content-type-options", b"nosniff")


def html_headers(policy: str) -> tuple[Header, ...]:
    return (
        (b"content-security-policy", policy.encode("latin-1")),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", REFERRER_POLICY.encode("latin-1")),
    )


class SecurityHeaders:
    """ASGI middleware: the headers above on each response start."""

    def __init__(self, app: ASGIApp, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        self.html = html_headers(HTML_POLICY)
        self.docs = html_headers(DOCS_POLICY)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        html = self.docs if scope["path"] in self.docs_paths else self.html

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": secured(message.get("headers", ()), html)}
            await send(message)

        await self.app(scope, receive, send_secured)


def secured(headers: Iterable[Header], html: tuple[Header, ...]) -> list[Header]:
    """The response's headers plus nosniff, plus ``html`` when it is an HTML page."""
    out = list(headers)
    names = set()
    is_html = False
    for name, value in out:
        lower = name.lower()
        names.add(lower)
        if lower == b"content-type" and value[:9].lower() == b"text/html":
            is_html = True
    if _NOSNIFF[0] not in names:
        out.append(_NOSNIFF)
    if is_html:
        out.extend(h for h in html if h[0] not in names)
    return out


def _docs_paths(app: FastAPI) -> set[str]:
    paths = {app.docs_url, app.redoc_url}
    if app.docs_url:
        paths.add(app.swagger_ui_oauth2_redirect_url)
    return {p for p in paths if p}


def install(app: FastAPI) -> None:
    """Add the security headers every response (and every HTML page) carries."""
    app.add_middleware(SecurityHeaders, docs_paths=_docs_paths(app))
