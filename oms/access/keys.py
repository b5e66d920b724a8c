"""API keys: stored as SHA-256 hashes, each with a role (and a store key's node).

Lifecycle: a key is created (its raw value is shown once; only its hash is kept), optionally with
a name and an expiry, and lives until it expires or is revoked. Revoked and expired keys stay
stored (``revoked``, ``revoked_at``, ``expires_at``), so that the list shows what each key was.
The request path's cache of keys (``oms/api/auth.py``) reads them with ``lookup``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from oms.access.model import ApiKey, ApiRole
from oms.access.ports import KeyReads, KeysUnitOfWork
from oms.access.principal import Principal
from oms.domain.errors import ConflictError, NotFoundError, UnauthorizedError, ValidationError
from oms.domain.events import utcnow
from oms.domain.limits import ID_LENGTH, NO_CONTROL_CHARS, TEXT_LENGTH
from oms.domain.ports import committed

KEY_PREFIX = "oms_"
MAX_EXPIRY_DAYS = 3650  # ten years: longer is "never", which is no expiry at all
_PRINTABLE = re.compile(NO_CONTROL_CHARS)


class KeyStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class IssuedKey(NamedTuple):
    """A new key: ``raw`` is shown this once, ``key`` is the record (its hash only)."""

    raw: str
    key: ApiKey


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def key_status(key: ApiKey, now: datetime | None = None) -> KeyStatus:
    if key.revoked:
        return KeyStatus.REVOKED
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        return KeyStatus.EXPIRED
    return KeyStatus.ACTIVE


# --- create ----------------------------------------------------------------------------------


def create_key(uow: KeysUnitOfWork, role: str, node_id: str | None = None) -> str:
    """A new key, committed; the raw key (shown once: only its hash is stored)."""
    return issue_key(uow, role, node_id).raw


def stage_key(
    uow: KeysUnitOfWork,
    role: str,
    node_id: str | None = None,
    *,
    name: str | None = None,
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> IssuedKey:
    """A new key in the caller's transaction (not committed)."""
    api_role = _checked(role, node_id, name, expires_in_days)
    if node_id is not None and uow.nodes.find(node_id) is None:
        raise NotFoundError(f'node "{node_id}" does not exist')
    now = now or utcnow()
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    key = ApiKey(
        id=secrets.token_hex(8),
        key_hash=hash_key(raw),
        role=api_role,
        node_id=node_id,
        name=name,
        created_at=now,
        expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
    )
    uow.api_keys.add(key)
    return IssuedKey(raw, key)


# A new key and its record, committed (every problem of the input is reported at once).
issue_key = committed(stage_key)


def _checked(
    role: str, node_id: str | None, name: str | None, expires_in_days: int | None
) -> ApiRole:
    """The role of a new key; ValidationError listing every problem of the input."""
    problems: list[str] = []
    api_role: ApiRole | None = None
    try:
        api_role = ApiRole(role)
    except ValueError:
        valid = ", ".join(r.value for r in ApiRole)
        problems.append(f"role: must be one of {valid}, got {role!r}")
    if api_role is ApiRole.STORE and not node_id:
        problems.append("node: a store key needs the store it is bound to")
    elif node_id is not None:
        if api_role is not None and api_role is not ApiRole.STORE:
            problems.append(f"node: only a store key is bound to a node, not a {role} key")
        elif not _is_text(node_id, ID_LENGTH):
            problems.append(f"node: 1 to {ID_LENGTH} printable characters")
    if name is not None and not _is_text(name, TEXT_LENGTH):
        problems.append(f"name: 1 to {TEXT_LENGTH} printable characters")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        problems.append(f"expires_in_days: from 1 to {MAX_EXPIRY_DAYS}, got {expires_in_days}")
    if problems or api_role is None:
        raise ValidationError(problems)
    return api_role


def _is_text(value: str, max_length: int) -> bool:
    return 1 <= len(value) <= max_length and _PRINTABLE.match(value) is not None


# --- list, revoke ----------------------------------------------------------------------------


def list_keys(uow: KeyReads) -> list[ApiKey]:
    """Every key, newest first (revoked and expired ones too)."""
    return uow.api_keys.newest_first()


def find_key(uow: KeyReads, key_id: str) -> ApiKey | None:
    return uow.api_keys.find(key_id)


def revoke_key(
    uow: KeysUnitOfWork,
    key_id: str,
    *,
    keep_an_ops_key: bool = False,
    now: datetime | None = None,
) -> ApiKey:
    """Revoke a key, committed; revoking a revoked key changes nothing.

    ``keep_an_ops_key`` (HTTP): the last active ops key may not be revoked, so that an operator
    cannot lock everyone out of the API; the command line may still do it."""
    now = now or utcnow()
    key = uow.api_keys.get(key_id)  # NotFoundError
    if keep_an_ops_key and key.role is ApiRole.OPS:
        _keep_an_active_ops_key(uow, key, now)
        key = uow.api_keys.reload(key_id, lock=False)  # locked above if it is active
    else:
        key = uow.api_keys.reload(key_id, lock=True)
    if not key.revoked:
        key.revoked, key.revoked_at = True, now
    uow.commit()
    return key


def _keep_an_active_ops_key(uow: KeysUnitOfWork, key: ApiKey, now: datetime) -> None:
    """ConflictError if ``key`` is the last active ops key. The active ops keys are locked in
    id order: of two concurrent revocations of the last two, the second sees the first's and
    is refused (PostgreSQL; SQLite writes one at a time)."""
    active = [
        k.id for k in uow.api_keys.lock_active_ops() if key_status(k, now) is KeyStatus.ACTIVE
    ]
    if active == [key.id]:
        raise ConflictError(
            f'API key "{key.id}" is the last active ops key: create another ops key first '
            "(or revoke it with `oms keys revoke` on the server)"
        )


def active_ops_keys(uow: KeyReads, now: datetime | None = None) -> int:
    """How many ops keys can still be used."""
    ops = uow.api_keys.list_by(role=ApiRole.OPS, revoked=False)
    return sum(key_status(k, now) is KeyStatus.ACTIVE for k in ops)


# --- authentication ----------------------------------------------------------------------------


def authenticate(uow: KeyReads, raw: str | None, now: datetime | None = None) -> Principal:
    """The principal of an active key; UnauthorizedError otherwise (one indexed read)."""
    if not raw:
        raise UnauthorizedError("missing X-API-Key header")
    who, _ = lookup(uow, hash_key(raw), now or utcnow())
    return who


def lookup(uow: KeyReads, key_hash: str, now: datetime) -> tuple[Principal, datetime | None]:
    """The principal and expiry of the key with this hash, if it is active;
    UnauthorizedError saying why not otherwise."""
    key = uow.api_keys.by_hash(key_hash)
    if key is None:
        raise UnauthorizedError("unknown API key")
    if key.revoked:
        raise UnauthorizedError("this API key has been revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise UnauthorizedError(expired_message(key.expires_at))
    return Principal(key.role, key.node_id, key.id), key.expires_at


def expired_message(at: datetime | None) -> str:
    when = f" at {at.isoformat(timespec='seconds')}" if at is not None else ""
    return f"this API key expired{when}"
