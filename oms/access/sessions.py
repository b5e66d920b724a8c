"""Page sessions: a store associate signs in once with a store key (the store pages), an
operator with an ops key (the ops pages, ``role=ApiRole.OPS``), and the browser keeps a random
token; the stored session's id is the token's SHA-256, so nothing stored could be presented by
a browser. A store session is bound to its key's store (an ops session to none), lasts the
minutes it was opened for (not extended by use), and is refused once it expires or its key is
revoked or expires, and wherever a key of another role is expected.

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
    node_id: str | None  # None: an ops session
    csrf_token: str
    expires_at: datetime
    role: ApiRole = ApiRole.STORE

    @property
    def principal(self) -> Principal:
        return Principal(self.role, self.node_id, self.key_id)


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
    role: ApiRole = ApiRole.STORE,
) -> OpenedSession:
    """A new session for a key of ``role``, committed; the browser's previous session (its
    token, if it sent one) ends with it."""
    if previous_token:
        end_session(uow, session_id(previous_token))
    opened = open_session(uow, who, minutes, now, role=role)
    uow.commit()
    return opened


def sign_out(uow: SessionsUnitOfWork, sid: str) -> bool:
    """End a session, committed; whether there was one."""
    ended = end_session(uow, sid)
    uow.commit()
    return ended


# --- steps (in the caller's transaction) -------------------------------------------------------


def open_session(
    uow: SessionReads,
    who: Principal,
    minutes: int,
    now: datetime | None = None,
    *,
    role: ApiRole = ApiRole.STORE,
) -> OpenedSession:
    """A new session for a key of ``role`` (a store key: bound to its store), not committed.
    Expired sessions of everyone are cleared on the way (indexed)."""
    if who.role is not role or (role is ApiRole.STORE and not who.node_id):
        article = "an" if role is ApiRole.OPS else "a"
        raise UnauthorizedError(_ONLY.format(a=article, wanted=role.value, role=who.role.value))
    now = now or utcnow()
    uow.store_sessions.remove_expired(now)
    token = new_token()
    row = StoreSession(
        id=session_id(token),
        key_id=who.key_id,
        node_id=who.node_id if role is ApiRole.STORE else None,
        csrf_token=new_token(),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    uow.store_sessions.add(row)
    return OpenedSession(token, row)


_ONLY = (
    "only {a} {wanted} key signs in to the {wanted} pages, and this is a {role} key; "
    "scripts may send any key in the X-API-Key header instead"
)


def end_session(uow: SessionReads, sid: str) -> bool:
    """Delete a session now (not committed); whether there was one."""
    return uow.store_sessions.remove_id(sid)


# --- reads -------------------------------------------------------------------------------------


def find_session(uow: SessionReads, token: str) -> StoreSession | None:
    """The session a token names, valid or not (sign-out checks its CSRF token first)."""
    return uow.store_sessions.find(session_id(token))


def check_session(
    uow: SessionReads,
    token: str | None,
    now: datetime | None = None,
    *,
    role: ApiRole = ApiRole.STORE,
) -> SignedIn:
    """The session a token names, if it and its key (of ``role``) are still valid (one indexed
    read); SessionRefused otherwise."""
    if not token:
        raise SessionRefused(f"sign in with your {role.value} key")
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
    if key.role is not role:  # a store session on an ops page, or the other way round
        raise SessionRefused(f"this session is not for the {role.value} pages: sign in again")
    return SignedIn(sid, row.key_id, row.node_id, row.csrf_token, row.expires_at, role)
