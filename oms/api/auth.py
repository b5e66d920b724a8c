"""API keys: stored as SHA-256 hashes, each with a role (and a store key's node)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from time import monotonic

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from oms.db.statuses import ApiRole
from oms.db.tables import ApiKey, Node
from oms.domain.errors import ForbiddenError, NotFoundError, UnauthorizedError, ValidationError

KEY_PREFIX = "oms_"


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


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_key(session: Session, role: str, node_id: str | None = None) -> str:
    """A new key (shown once; only its hash is stored)."""
    try:
        api_role = ApiRole(role)
    except ValueError as exc:
        valid = ", ".join(r.value for r in ApiRole)
        raise ValidationError([f"role: must be one of {valid}, got {role!r}"]) from exc
    if api_role is ApiRole.STORE and not node_id:
        raise ValidationError(["node: a store key needs --node"])
    if node_id is not None and session.get(Node, node_id) is None:
        raise NotFoundError(f'node "{node_id}" does not exist')
    raw = KEY_PREFIX + secrets.token_urlsafe(24)
    session.add(
        ApiKey(id=secrets.token_hex(8), key_hash=hash_key(raw), role=api_role, node_id=node_id)
    )
    return raw


class KeyCache:
    """Principals of keys seen lately, so a request does not pay a query to authenticate.

    A revoked key keeps working for at most ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._known: dict[str, tuple[float, Principal]] = {}

    def principal(self, raw: str | None, sessions: sessionmaker[Session]) -> Principal:
        if not raw:
            raise UnauthorizedError("missing X-API-Key header")
        digest = hash_key(raw)
        hit = self._known.get(digest)
        if hit is not None and hit[0] > monotonic():
            return hit[1]
        with sessions() as session:
            who = authenticate(session, raw)
        if len(self._known) > 10_000:  # bounded: unknown keys are never kept, known ones few
            self._known.clear()
        self._known[digest] = (monotonic() + self.ttl_s, who)
        return who


def authenticate(session: Session, raw: str | None) -> Principal:
    if not raw:
        raise UnauthorizedError("missing X-API-Key header")
    key = session.scalars(
        select(ApiKey).where(ApiKey.key_hash == hash_key(raw), ApiKey.revoked.is_(False))
    ).first()
    if key is None:
        raise UnauthorizedError("unknown or revoked API key")
    return Principal(key.role, key.node_id, key.id)
