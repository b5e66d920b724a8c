"""API keys: stored as SHA-256 hashes, each with a role (and a store key's node).

Lifecycle: a key is created (its raw value is shown once; only its hash is kept), optionally with a
name and an expiry, and lives until it expires or is revoked. Revoked and expired keys stay in the
table (``revoked``, ``revoked_at``, ``expires_at``), so that the list shows what each key was.

On the request path (``KeyCache``, one per worker process):

- A key seen valid is re-validated at most every ``RECHECK_S`` (1 s), so a key revoked on any
  worker, or by ``oms keys revoke``, is refused by every worker within a second; its expiry is
  checked at each use, so an expired key is refused at once even if cached.
- A refused key (unknown, revoked, expired) is remembered by its hash for a second: a client that
  repeats it costs no query.
- Failed authentications (missing, unknown, revoked or expired key) are counted per client
  address (an IPv6 address by its /64). Past ``auth_failures_per_minute`` failures within a
  sliding minute, the address's requests with a missing or wrong key are answered 429 with
  ``Retry-After``, without a query and without counting. Keys this worker has seen valid are
  still served from a throttled address, so good clients behind a shared NAT keep working.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from time import monotonic
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.access.model import ApiKey, ApiRole
from oms.config import get_settings
from oms.db.types import utcnow
from oms.domain.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    OmsError,
    UnauthorizedError,
    ValidationError,
)
from oms.domain.limits import ID_LENGTH, NO_CONTROL_CHARS, TEXT_LENGTH
from oms.inventory.model import Node

KEY_PREFIX = "oms_"
MAX_EXPIRY_DAYS = 3650  # ten years: longer is "never", which is no expiry at all
RECHECK_S = 1.0  # a cached key is re-validated after this long: revocation reaches every worker
REJECTED_S = 1.0  # a refused key's hash is answered from memory for this long
FAILURE_WINDOW_S = 60.0  # the sliding window failed authentications are counted over
MAX_ADDRESSES = 10_000  # client addresses whose failures are tracked (least recent dropped)
MAX_FAILURE_TIMES = 1_000_000  # bound on the failure times kept, whatever the limit is set to
MAX_KNOWN_KEYS = 10_000  # keys seen valid
MAX_REJECTED_KEYS = 4_096  # keys seen refused within REJECTED_S
_PRINTABLE = re.compile(NO_CONTROL_CHARS)


@dataclass(frozen=True)
class Principal:
    role: ApiRole
    node_id: str | None = None
    key_id: str = ""  # the API key's id: idempotency keys are scoped to it

    def require(self, *roles: ApiRole) -> None:
        """Ops may do everything; others only what their role allows."""
        if self.role is not ApiRole.OPS and self.role not in roles:
            raise ForbiddenError(f"a {self.role.value} key may not do this")

    def require_node(self, node_id: str) -> None:
        if self.role is ApiRole.STORE and self.node_id != node_id:
            raise ForbiddenError(f"this store key is bound to {self.node_id}, not {node_id}")


class KeyStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"


class RateLimitedError(OmsError):
    """Too many failed authentications from one client address (429 with Retry-After)."""

    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "too many failed authentications from this address: "
            f"retry in {retry_after_s} s with a valid X-API-Key"
        )
        self.retry_after_s = retry_after_s
        self.headers = {"Retry-After": str(retry_after_s)}  # sent by oms/api/errors.py

    def extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after_s}


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# --- the lifecycle: create, list, revoke ----------------------------------------------------


def issue_key(
    session: Session,
    role: str,
    node_id: str | None = None,
    *,
    name: str | None = None,
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> tuple[str, ApiKey]:
    """A new key and its record (flushed, not committed). The raw key is shown once: only its
    hash is stored. Every problem of the input is reported at once."""
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
    if problems:
        raise ValidationError(problems)
    assert api_role is not None
    if node_id is not None and session.get(Node, node_id) is None:
        raise NotFoundError(f'node "{node_id}" does not exist')
    now = now or utcnow()
    expires_at = None if expires_in_days is None else now + timedelta(days=expires_in_days)
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    key = ApiKey(
        id=secrets.token_hex(8),
        key_hash=hash_key(raw),
        role=api_role,
        node_id=node_id,
        name=name,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return raw, key


def create_key(session: Session, role: str, node_id: str | None = None) -> str:
    """A new key (shown once; only its hash is stored)."""
    raw, _ = issue_key(session, role, node_id)
    return raw


def _is_text(value: str, max_length: int) -> bool:
    return 1 <= len(value) <= max_length and _PRINTABLE.match(value) is not None


def key_status(key: ApiKey, now: datetime | None = None) -> KeyStatus:
    if key.revoked:
        return KeyStatus.REVOKED
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        return KeyStatus.EXPIRED
    return KeyStatus.ACTIVE


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, newest first (revoked and expired ones too)."""
    stmt = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
    return list(session.scalars(stmt))


def revoke_key(
    session: Session, key_id: str, *, keep_an_ops_key: bool = False, now: datetime | None = None
) -> ApiKey:
    """Revoke a key (flushed, not committed); revoking a revoked key changes nothing.

    ``keep_an_ops_key`` (HTTP): the last active ops key may not be revoked, so that an operator
    cannot lock everyone out of the API; the command line may still do it."""
    now = now or utcnow()
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFoundError(f'API key "{key_id}" does not exist')
    if keep_an_ops_key and key.role is ApiRole.OPS:
        # Lock the active ops keys in id order: of two concurrent revocations of the last two,
        # the second sees the first's and is refused (PostgreSQL; SQLite writes one at a time).
        stmt = (
            select(ApiKey)
            .where(ApiKey.role == ApiRole.OPS, ApiKey.revoked.is_(False))
            .order_by(ApiKey.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        active = [k for k in session.scalars(stmt) if key_status(k, now) is KeyStatus.ACTIVE]
        if [k.id for k in active] == [key.id]:
            raise ConflictError(
                f'API key "{key_id}" is the last active ops key: create another ops key first '
                "(or revoke it with `oms keys revoke` on the server)"
            )
        session.refresh(key)  # locked above if active; otherwise the latest committed state
    else:
        session.refresh(key, with_for_update=True)
    if not key.revoked:
        key.revoked, key.revoked_at = True, now
        session.flush()
    return key


def active_ops_keys(session: Session, now: datetime | None = None) -> int:
    """How many ops keys can still be used."""
    stmt = select(ApiKey).where(ApiKey.role == ApiRole.OPS, ApiKey.revoked.is_(False))
    return sum(key_status(k, now) is KeyStatus.ACTIVE for k in session.scalars(stmt))


# --- authentication ---------------------------------------------------------------------


def authenticate(session: Session, raw: str | None, now: datetime | None = None) -> Principal:
    """The principal of an active key; UnauthorizedError otherwise (one indexed read)."""
    if not raw:
        raise UnauthorizedError("missing X-API-Key header")
    who, _ = _lookup(session, hash_key(raw), now or utcnow())
    return who


def _lookup(session: Session, digest: str, now: datetime) -> tuple[Principal, datetime | None]:
    """The key's principal and expiry, if it is active."""
    stmt = select(ApiKey.id, ApiKey.role, ApiKey.node_id, ApiKey.revoked, ApiKey.expires_at).where(
        ApiKey.key_hash == digest
    )
    row = session.execute(stmt).first()
    if row is None:
        raise UnauthorizedError("unknown API key")
    if row.revoked:
        raise UnauthorizedError("this API key has been revoked")
    if row.expires_at is not None and row.expires_at <= now:
        raise UnauthorizedError(_expired(row.expires_at))
    return Principal(row.role, row.node_id, row.id), row.expires_at


def _expired(at: datetime | None) -> str:
    when = f" at {at.isoformat(timespec='seconds')}" if at is not None else ""
    return f"this API key expired{when}"


def address_of(host: str | None) -> str | None:
    """The throttle's bucket for a client address: an IPv6 address by its /64 (one subscriber's
    network), an IPv4 address (or an IPv4-mapped IPv6 one) by itself; None when unknown."""
    if not host:
        return None
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]  # not an IP (a test client, a Unix socket): taken as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class FailureThrottle:
    """Failed authentications per client address over a sliding window, bounded in memory.

    An address keeps the times of its last ``limit`` failures: it is throttled while the oldest
    of them is within the window. Requests refused while throttled are not counted, so that an
    address regains one attempt as each failure leaves the window."""

    def __init__(
        self,
        limit: int,
        window_s: float = FAILURE_WINDOW_S,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        # limit * addresses times at most: a large limit tracks fewer addresses.
        self.max_addresses = max(1, min(max_addresses, MAX_FAILURE_TIMES // limit))
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: float) -> float:
        """Seconds until the address may try again; 0 when it is not throttled."""
        times = self._failures.get(address)
        if times is None or len(times) < self.limit:
            return 0.0
        wait = times[0] + self.window_s - now  # a deque never shrinks: times[0] exists
        return wait if wait > 0 else 0.0

    def failed(self, address: str, now: float) -> None:
        with self._lock:
            times = self._failures.pop(address, None)
            if times is None:
                times = deque(maxlen=self.limit)
                while len(self._failures) >= self.max_addresses:
                    self._failures.popitem(last=False)  # the least recently failing
            times.append(now)
            self._failures[address] = times

    def tracked(self) -> int:
        """How many addresses are tracked."""
        return len(self._failures)


@dataclass(frozen=True, slots=True)
class _Known:
    recheck_at: float  # monotonic time after which the key is read again
    expires_at: float  # monotonic time of the key's expiry (inf: none)
    expiry: datetime | None
    who: Principal


class KeyCache:
    """Principals of keys seen lately, refused keys, and failures per client address.

    A known key costs no query for ``ttl_s`` seconds (revocation reaches every worker within
    that time); its expiry is checked at each use. ``clock`` (monotonic seconds) and ``wall``
    (aware UTC now) may be injected by tests."""

    def __init__(
        self,
        ttl_s: float = RECHECK_S,
        *,
        failures_per_minute: int | None = None,
        rejected_s: float = REJECTED_S,
        clock: Callable[[], float] = monotonic,
        wall: Callable[[], datetime] = utcnow,
        max_keys: int = MAX_KNOWN_KEYS,
        max_rejected: int = MAX_REJECTED_KEYS,
    ) -> None:
        self.ttl_s = ttl_s
        self.rejected_s = rejected_s
        self._clock = clock
        self._wall = wall
        self._max_keys = max_keys
        self._max_rejected = max_rejected
        limit = failures_per_minute or get_settings().auth_failures_per_minute
        self.throttle = FailureThrottle(limit)
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._rejected: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def principal(
        self, raw: str | None, sessions: Callable[[], Session], client: str | None = None
    ) -> Principal:
        """The key's principal. ``client`` is the client's address (``request.client.host``);
        without it, failures are not throttled."""
        now = self._clock()
        digest = hash_key(raw) if raw else None
        hit = self._known.get(digest) if digest is not None else None
        if hit is not None and now < hit.recheck_at and now < hit.expires_at:
            return hit.who
        address = address_of(client)
        if address is not None:
            wait = self.throttle.retry_after(address, now)
            # Only a key this worker has seen valid (and not expired) is read while throttled.
            if wait > 0 and (hit is None or now >= hit.expires_at):
                raise RateLimitedError(max(1, math.ceil(wait)))
        try:
            return self._validate(raw, digest, hit, sessions, now)
        except UnauthorizedError:
            if address is not None:
                self.throttle.failed(address, now)
            raise

    def _validate(
        self,
        raw: str | None,
        digest: str | None,
        hit: _Known | None,
        sessions: Callable[[], Session],
        now: float,
    ) -> Principal:
        if not raw or digest is None:
            raise UnauthorizedError("missing X-API-Key header")
        if hit is not None and now >= hit.expires_at:
            self._refuse(digest, now, _expired(hit.expiry))
        seen = self._rejected.get(digest)
        if seen is not None and now < seen[0]:
            raise UnauthorizedError(seen[1])
        wall = self._wall()
        try:
            with sessions() as session:
                who, expiry = _lookup(session, digest, wall)
        except UnauthorizedError as exc:
            self._refuse(digest, now, exc.detail)
        left = math.inf if expiry is None else (expiry - wall).total_seconds()
        with self._lock:
            self._known.pop(digest, None)
            while len(self._known) >= self._max_keys:
                self._known.popitem(last=False)
            self._known[digest] = _Known(now + self.ttl_s, now + left, expiry, who)
        return who

    def _refuse(self, digest: str, now: float, detail: str) -> NoReturn:
        """Forget the key, remember it refused for ``rejected_s``, and refuse it."""
        with self._lock:
            self._known.pop(digest, None)
            self._rejected.pop(digest, None)
            while len(self._rejected) >= self._max_rejected:
                self._rejected.popitem(last=False)
            self._rejected[digest] = (now + self.rejected_s, detail)
        raise UnauthorizedError(detail) from None

    def forget(self, key_hash: str) -> None:
        """Drop a key from the cache (this worker revoked it: refuse it at once here)."""
        with self._lock:
            self._known.pop(key_hash, None)
