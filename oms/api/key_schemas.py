"""Bodies of /v1/keys: what ops send to create a key, and what a key looks like (never its
hash; the raw key once, when it is created)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from oms.access.keys import MAX_EXPIRY_DAYS, KeyStatus, key_status
from oms.access.model import ApiKey, ApiRole
from oms.api.fields import Ident, Label


class KeyIn(BaseModel):
    """A new key: its role, a store key's store, a name for people, an optional expiry."""

    model_config = ConfigDict(extra="forbid")
    role: ApiRole
    node: Ident | None = Field(default=None, description="a store key's store (store keys only)")
    name: Label | None = Field(default=None, description="who or what uses the key")
    expires_in_days: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_EXPIRY_DAYS,
        description="the key stops working this many days from now (null: never)",
    )


class KeyOut(BaseModel):
    """An API key's record."""

    id: str
    name: str | None
    role: ApiRole
    node: str | None = Field(description="a store key's store")
    status: KeyStatus = Field(description="active, revoked, or expired")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey, now: datetime | None = None) -> KeyOut:
        return cls.model_validate(_fields(key, now))


class CreatedKeyOut(KeyOut):
    """A new key's record and the key itself, shown this once: only its hash is stored."""

    key: str = Field(description="the raw key, for the X-API-Key header; it is not kept")

    @classmethod
    def created(cls, raw: str, key: ApiKey) -> CreatedKeyOut:
        return cls.model_validate({**_fields(key, None), "key": raw})


def _fields(key: ApiKey, now: datetime | None) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "node": key.node_id,
        "status": key_status(key, now),
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "revoked_at": key.revoked_at,
    }
