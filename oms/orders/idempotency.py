"""Idempotency keys, scoped to the API key that sent them and to the endpoint (Stripe's rules):
the same key with the same request replays the first answer; with another request it is refused.

The key is claimed first in the transaction that does the work. A concurrent request with the
same key finds nothing committed yet, so its own claim waits on the primary key (PostgreSQL) or
on the write lock (SQLite) until the first commits, then fails: it rolls back and replays what
the first made. If the first rolled back instead, the second's claim succeeds and it does the
work itself. Either way every caller gets an answer, and the work is done once."""

from __future__ import annotations

from dataclasses import dataclass

from oms import metrics
from oms.domain.errors import ConflictError
from oms.orders.model import IdempotencyRecord
from oms.orders.ports import OrdersUnitOfWork


class KeyReused(ConflictError):
    code = "idempotency_key_reused"


class RequestInProgress(ConflictError):
    code = "request_in_progress"


@dataclass(frozen=True)
class RequestKey:
    """An Idempotency-Key as one API key (``scope``, its id) sent it."""

    scope: str
    key: str


def as_request_key(key: str | RequestKey | None) -> RequestKey | None:
    """Internal callers may pass a bare key: it is scoped to no API key."""
    return RequestKey("", key) if isinstance(key, str) else key


def claim(
    uow: OrdersUnitOfWork, endpoint: str, key: RequestKey, request_hash: str, resource_id: str
) -> str | None:
    """Claim ``key`` for the resource this transaction is about to make and return None, or
    return the id of the resource a committed request with this key made (replay it).
    KeyReused when that request was another one."""
    found = _committed(uow, endpoint, key, request_hash)
    if found is not None:
        return found
    record = IdempotencyRecord(
        scope=key.scope,
        endpoint=endpoint,
        key=key.key,
        request_hash=request_hash,
        resource_id=resource_id,
    )
    if uow.idempotency.claim(record):  # the first write of the transaction
        return None
    # Another request with this key committed while this one waited for its claim: rolling
    # back loses nothing else.
    metrics.RESERVATION_IDEMPOTENCY_RACES.inc()
    uow.rollback()
    found = _committed(uow, endpoint, key, request_hash)
    if found is None:
        raise RequestInProgress(
            f'a request with Idempotency-Key "{key.key}" is still in progress; retry'
        ) from None
    return found


def _committed(
    uow: OrdersUnitOfWork, endpoint: str, key: RequestKey, request_hash: str
) -> str | None:
    record = uow.idempotency.committed(key.scope, endpoint, key.key)
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise KeyReused(f'Idempotency-Key "{key.key}" was used with another request; use a new key')
    return record.resource_id
