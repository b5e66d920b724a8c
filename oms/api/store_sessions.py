"""Store page sessions, their cookie, and the checks every store page form passes.

Sessions. A store associate signs in once with a store key (``POST /stores/login``). The server
keeps a ``StoreSession`` row and gives the browser a random token (``secrets.token_urlsafe(32)``);
the row's id is the token's SHA-256, so the table holds nothing a browser could present. The raw
API key is never put in a cookie or a page. A session is bound to its key's store and lasts
``store_session_minutes`` from sign-in (not extended by use). At each request the session is read
together with its key: an expired session, or one whose key has since been revoked or has expired,
is refused (401, the sign-in page) and its row deleted when seen; signing in again (or out) also
deletes the browser's previous session, and each sign-in clears every expired row.

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

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.datastructures import URL, Headers
from starlette.responses import Response

from oms.access.model import ApiKey, ApiRole, StoreSession
from oms.api.auth import Principal
from oms.db.types import utcnow
from oms.domain.errors import ForbiddenError, UnauthorizedError

COOKIE = "oms_store_session"
COOKIE_PATH = "/stores"
CSRF_FIELD = "csrf_token"
TOKEN_BYTES = 32  # 256 bits of randomness: 43 URL-safe characters
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A valid session: who it is and the token its forms must carry."""

    id: str  # sha256 hex of the cookie's token
    key_id: str
    node_id: str
    csrf_token: str
    expires_at: datetime

    @property
    def principal(self) -> Principal:
        return Principal(ApiRole.STORE, self.node_id, self.key_id)


class SessionRefused(UnauthorizedError):
    """The cookie names no usable session. ``stale`` is the row to delete (expired, or its key
    revoked or expired); None when there is no row."""

    def __init__(self, detail: str, stale: str | None = None) -> None:
        super().__init__(detail)
        self.stale = stale


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def session_id(token: str) -> str:
    """The row id of a session token: its SHA-256 (hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- the rows ---------------------------------------------------------------------------------


def open_session(
    session: Session, who: Principal, minutes: int, now: datetime | None = None
) -> tuple[str, StoreSession]:
    """A new session for a store key (flushed, not committed) and its token, which is returned
    once and never stored. Expired sessions of everyone are cleared on the way (indexed)."""
    if who.role is not ApiRole.STORE or not who.node_id:
        raise UnauthorizedError(_ONLY_STORE_KEYS.format(role=who.role.value))
    now = now or utcnow()
    session.execute(delete(StoreSession).where(StoreSession.expires_at <= now))
    token = new_token()
    row = StoreSession(
        id=session_id(token),
        key_id=who.key_id,
        node_id=who.node_id,
        csrf_token=new_token(),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(row)
    session.flush()
    return token, row


_ONLY_STORE_KEYS = (
    "only a store key signs in to the store pages, and this is a {role} key; "
    "scripts may send any key in the X-API-Key header instead"
)


def check_session(session: Session, token: str | None, now: datetime | None = None) -> SignedIn:
    """The session a cookie's token names, if it and its key are still valid (one indexed read);
    SessionRefused otherwise."""
    if not token:
        raise SessionRefused("sign in with your store key")
    sid = session_id(token)
    stmt = (
        select(
            StoreSession.key_id,
            StoreSession.node_id,
            StoreSession.csrf_token,
            StoreSession.expires_at,
            ApiKey.role,
            ApiKey.revoked,
            ApiKey.expires_at.label("key_expires_at"),
        )
        .join(ApiKey, ApiKey.id == StoreSession.key_id)
        .where(StoreSession.id == sid)
    )
    row = session.execute(stmt).first()
    if row is None:
        raise SessionRefused("this session has ended: sign in again")
    now = now or utcnow()
    if row.expires_at <= now:
        when = row.expires_at.isoformat(timespec="minutes")
        raise SessionRefused(f"this session expired at {when} UTC: sign in again", sid)
    if row.revoked:
        raise SessionRefused("the key of this session has been revoked: sign in again", sid)
    if row.key_expires_at is not None and row.key_expires_at <= now:
        raise SessionRefused("the key of this session has expired: sign in again", sid)
    if row.role is not ApiRole.STORE:  # a session is only ever opened for a store key
        raise SessionRefused("this session is not a store's: sign in again", sid)
    return SignedIn(sid, row.key_id, row.node_id, row.csrf_token, row.expires_at)


def end_session(session: Session, sid: str) -> bool:
    """Delete a session row (flushed, not committed); whether there was one."""
    result = session.execute(delete(StoreSession).where(StoreSession.id == sid))
    return bool(getattr(result, "rowcount", 0))


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


def set_cookie(response: Response, token: str, *, secure: bool, minutes: int) -> None:
    seconds = minutes * 60
    response.set_cookie(
        COOKIE,
        token,
        max_age=seconds,
        expires=seconds,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="strict",
    )


def clear_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, secure=secure, httponly=True, samesite="strict"
    )


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
