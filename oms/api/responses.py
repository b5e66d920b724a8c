"""The error answers each route documents in /openapi.json: one `ErrorOut` body for them all."""

from __future__ import annotations

from typing import Any

from oms.api.schemas import ErrorOut

WHY: dict[int, str] = {
    401: "missing, unknown, revoked or expired API key",
    403: "the key's role, or its store, may not do this",
    404: "a record the request names does not exist",
    409: "the request contradicts the current state (stock, status, idempotency key)",
    413: "the request body is larger than the service accepts",
    422: "the input is invalid: `fields` names each field and what is wrong",
    429: "too many failed authentications from this address: wait `Retry-After` seconds",
    503: "the service is not ready yet",
}

# What any route behind an API key can answer, whatever it does.
KEYED = (401, 403, 413, 422, 429)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for these statuses, each with the one error body."""
    return {status: {"model": ErrorOut, "description": WHY[status]} for status in statuses}
