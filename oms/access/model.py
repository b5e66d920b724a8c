"""API keys (a role, and a store for a store key) and store page sessions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from oms.domain.events import utcnow


class ApiRole(StrEnum):
    CHECKOUT = "checkout"
    OPS = "ops"
    STORE = "store"


@dataclass(eq=False, kw_only=True)
class ApiKey:
    id: str
    key_hash: str  # sha256 hex of the key
    role: ApiRole
    node_id: str | None = None  # a store key's store
    created_at: datetime = field(default_factory=utcnow)
    revoked: bool = False
    name: str | None = None  # a label for people
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(eq=False, kw_only=True)
class StoreSession:
    """A signed-in store page: the cookie holds a random token, this record its hash."""

    id: str  # sha256 hex of the token
    key_id: str
    node_id: str | None  # None: an ops key's session
    csrf_token: str
    expires_at: datetime
    created_at: datetime = field(default_factory=utcnow)
