"""API keys over HTTP for ops: list, create, revoke (filled in by the hardening work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/keys", tags=["keys"])
