"""Store page sessions: a store associate signs in once with a store key and the browser keeps a
random token; the stored session's id is the token's SHA-256, so nothing stored could be
presented by a browser. A session is bound to its key's store, lasts the minutes it was opened
for (not extended by use), and is refused once it expires or its key is revoked or expires.

The cookie, CSRF and Origin rules of the pages are HTTP's: ``oms/api/store_sessions.py``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from oms.access.model import ApiRole, StoreSession
from oms.access.ports import SessionReads, SessionsUnitOfWork
from oms.access.principal import Principal
from oms.domain.errors import UnauthorizedError
from oms.domain.events import utcnow

TOKEN_BYTES = 32  # 256 bits of randomness: 43 URL-safe characters


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
    """The token names no usable session. ``stale`` is the session to delete (expired, or its
    key revoked or expired); None when there is none."""

    def __init__(self, detail: str, stale: str | None = None) -> None:
        super().__init__(detail)
        self.stale = stale


class OpenedSession(NamedTuple):
    """A new session: ``token`` goes to the browser (never stored), ``row`` is what is kept."""

    token: str
    row: StoreSession


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def session_id(token: str) -> str:
    """The stored id of a session token: its SHA-256 (hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- commands ----------------------------------------------------------------------------------


def sign_in(
    uow: SessionsUnitOfWork,
    who: Principal,
    minutes: int,
    *,
    previous_token: str | None = None,
    now: datetime | None = None,
) -> OpenedSession:
    """A new session for a store key, committed; the browser's previous session (its token,
    if it sent one) ends with it."""
    if previous_token:
        end_session(uow, session_id(previous_token))
    opened = open_session(uow, who, minutes, now)
    uow.commit()
    return opened


def sign_out(uow: SessionsUnitOfWork, sid: str) -> bool:
    """End a session, committed; whether there was one."""
    ended = end_session(uow, sid)
    uow.commit()
    return ended


# --- steps (in the caller's transaction) -------------------------------------------------------


def open_session(
    uow: SessionReads, who: Principal, minutes: int, now: datetime | None = None
) -> OpenedSession:
    """A new session for a store key, not committed. Expired sessions of everyone are cleared
    on the way (indexed)."""
    if who.role is not ApiRole.STORE or not who.node_id:
        raise UnauthorizedError(_ONLY_STORE_KEYS.format(role=who.role.value))
    now = now or utcnow()
    uow.store_sessions.remove_expired(now)
    token = new_token()
    row = StoreSession(
        id=session_id(token),
        key_id=who.key_id,
        node_id=who.node_id,
        csrf_token=new_token(),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    uow.store_sessions.add(row)
    return OpenedSession(token, row)


_ONLY_STORE_KEYS = (
    "only a store key signs in to the store pages, and this is a {role} key; "
    "scripts may send any key in the X-API-Key header instead"
)


def end_session(uow: SessionReads, sid: str) -> bool:
    """Delete a session now (not committed); whether there was one."""
    return uow.store_sessions.remove_id(sid)


# --- reads -------------------------------------------------------------------------------------


def find_session(uow: SessionReads, token: str) -> StoreSession | None:
    """The session a token names, valid or not (sign-out checks its CSRF token first)."""
    return uow.store_sessions.find(session_id(token))


def check_session(uow: SessionReads, token: str | None, now: datetime | None = None) -> SignedIn:
    """The session a token names, if it and its key are still valid (one indexed read);
    SessionRefused otherwise."""
    if not token:
        raise SessionRefused("sign in with your store key")
    sid = session_id(token)
    row = uow.store_sessions.find_with_key(sid)
    key = None if row is None else uow.api_keys.find(row.key_id)
    if row is None or key is None:
        raise SessionRefused("this session has ended: sign in again")
    now = now or utcnow()
    if row.expires_at <= now:
        when = row.expires_at.isoformat(timespec="minutes")
        raise SessionRefused(f"this session expired at {when} UTC: sign in again", sid)
    if key.revoked:
        raise SessionRefused("the key of this session has been revoked: sign in again", sid)
    if key.expires_at is not None and key.expires_at <= now:
        raise SessionRefused("the key of this session has expired: sign in again", sid)
    if key.role is not ApiRole.STORE:  # a session is only ever opened for a store key
        raise SessionRefused("this session is not a store's: sign in again", sid)
    return SignedIn(sid, row.key_id, row.node_id, row.csrf_token, row.expires_at)
