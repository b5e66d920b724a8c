"""Store page sessions over HTTP: their cookie, and the checks every store page form passes.

Sessions (their rules are the access service's, ``oms/access/sessions.py``). A store associate
signs in once with a store key (``POST /stores/login``). The server keeps a ``StoreSession`` row
and gives the browser a random token (``secrets.token_urlsafe(32)``); the row's id is the token's
SHA-256, so the table holds nothing a browser could present. The raw API key is never put in a
cookie or a page. A session is bound to its key's store and lasts ``store_session_minutes`` from
sign-in (not extended by use). At each request the session is read together with its key: an
expired session, or one whose key has since been revoked or has expired, is refused (401, the
sign-in page) and its row deleted when seen; signing in again (or out) also deletes the browser's
previous session, and each sign-in clears every expired row.

Ops keys sign in the same way to the ops pages (``POST /ops/login``, ``oms/api/routers/
ops_pages.py``): a session row with no store, the cookie ``oms_ops_session`` with ``Path=/ops``,
the same CSRF and Origin checks.

Cookie. ``oms_store_session`` holds only the token: ``HttpOnly``, ``SameSite=Strict``,
``Path=/stores``, ``Max-Age`` and ``Expires`` the session's lifetime, and ``Secure`` as
``OMS_COOKIE_SECURE`` says: ``always``, ``never``, or ``auto`` (the default), which marks it
Secure unless the request came over plain ``http`` from a loopback client address (127.0.0.0/8,
``::1``, or an IPv4-mapped loopback): a developer's browser on the same machine. Behind a proxy
that terminates TLS, the scheme and client are what uvicorn's proxy headers make of them; without
``X-Forwarded-Proto``/``X-Forwarded-For`` from the proxy, set ``OMS_COOKIE_SECURE=always``.

CSRF. Every form of a signed-in page carries the session's own CSRF token (a second random value
kept in the row) as the ``csrf_token`` field; every POST under /stores that rides on the session
cookie must send it back (compared with ``secrets.compare_digest``). Every POST under /stores,
sign-in included (which has no session yet), also passes an origin check: the ``Origin`` header,
when present, must be the request's own ``scheme://host[:port]``; without it the ``Referer``'s
origin must be; with neither, the token alone decides. ``Origin: null`` is foreign. Either
failure is a 403 that changes nothing. SameSite=Strict alone is not enough: another port on the
same host (or a sibling subdomain) is the same *site*, so the browser sends the cookie with its
forms. Requests authenticated by the ``X-API-Key`` header (scripts) need no CSRF token: a browser
cannot send that header cross-origin without a CORS preflight, and the app allows no CORS.
The request's own origin is its scheme and ``Host`` as the app sees them: behind a proxy, pass
``Host`` through and send ``X-Forwarded-Proto`` from an address uvicorn trusts
(``--forwarded-allow-ips``), or every form post from an https page is refused as foreign.
"""

from __future__ import annotations

import ipaddress
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import URL, Headers
from starlette.responses import Response

from oms.access.sessions import (
    TOKEN_BYTES,
    OpenedSession,
    SessionRefused,
    SignedIn,
    new_token,
    session_id,
)
from oms.domain.errors import ForbiddenError

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "TOKEN_BYTES",
    "OpenedSession",
    "SessionRefused",
    "SignedIn",
    "check_csrf",
    "check_origin",
    "clear_cookie",
    "cookie_is_secure",
    "form_fields",
    "new_token",
    "session_id",
    "set_cookie",
]

COOKIE = "oms_store_session"
COOKIE_PATH = "/stores"
# The ops pages' session (an ops key's): the same rules, its own cookie, sent only under /ops.
OPS_COOKIE = "oms_ops_session"
OPS_COOKIE_PATH = "/ops"
CSRF_FIELD = "csrf_token"
_DEFAULT_PORTS = {"http": 80, "https": 443}


# --- the cookie -------------------------------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped loopback address; not a name, not unknown."""
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def cookie_is_secure(setting: str, scheme: str, client: str | None) -> bool:
    """``always`` / ``never`` as said; ``auto``: Secure unless plain http from loopback."""
    if setting == "always":
        return True
    if setting == "never":
        return False
    return not (scheme == "http" and is_loopback(client))


def set_cookie(
    response: Response,
    token: str,
    *,
    secure: bool,
    minutes: int,
    name: str = COOKIE,
    path: str = COOKIE_PATH,
) -> None:
    seconds = minutes * 60
    response.set_cookie(
        name,
        token,
        max_age=seconds,
        expires=seconds,
        path=path,
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def clear_cookie(
    response: Response, *, secure: bool, name: str = COOKIE, path: str = COOKIE_PATH
) -> None:
    response.delete_cookie(name, path=path, secure=secure, httponly=True, samesite="strict")


# --- the checks of a POST ----------------------------------------------------------------------


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, default ports filled in; None when it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def check_origin(headers: Headers, url: URL) -> None:
    """ForbiddenError unless the request's Origin (else its Referer) is the request's own
    origin; a request with neither passes (the CSRF token decides)."""
    sent, name = headers.get("origin"), "Origin"
    if sent is None:
        sent, name = headers.get("referer"), "Referer"
        if sent is None:
            return
    own = _origin(str(url))
    if own is None or _origin(sent) != own:
        raise ForbiddenError(
            f"this form was not sent from this site's own page ({name}: {sent[:200]!r}); "
            "open the store page here and send it again"
        )


def check_csrf(expected: str, sent: str | None) -> None:
    """ForbiddenError unless the form's CSRF token is the session's (constant-time compare)."""
    if not sent or not secrets.compare_digest(sent.encode("utf-8"), expected.encode("utf-8")):
        raise ForbiddenError(
            "this form has no valid CSRF token (it was not sent from this session's page): "
            "reload the page and send it again"
        )


def form_fields(body: bytes) -> dict[str, str]:
    """An urlencoded form (first value of each field): no multipart dependency needed."""
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}
