"""Dependencies as Annotated aliases (full-stack-fastapi-template style). All async: they do no
blocking work on the fast path, and a sync dependency would cost a thread hop per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from oms.access.model import ApiRole
from oms.api.auth import Principal
from oms.api.state import AppState
from oms.db.uow import SqlUnitOfWork
from oms.orders.idempotency import RequestKey

# Declared as a security scheme, so /docs offers "Authorize" and sends the header.
API_KEY_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False)


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.oms
    return state


async def get_state(request: Request) -> AppState:
    return state_of(request)


StateDep = Annotated[AppState, Depends(get_state)]


def get_uow(state: StateDep) -> Iterator[SqlUnitOfWork]:
    with state.unit_of_work() as uow:
        yield uow


UowDep = Annotated[SqlUnitOfWork, Depends(get_uow)]


async def get_principal(
    request: Request, x_api_key: Annotated[str | None, Security(API_KEY_HEADER)]
) -> Principal:
    # On the event loop: a cached key costs a dict lookup, an unknown one an indexed read.
    return state_of(request).authenticate(x_api_key, client_host(request))


def client_host(request: Request) -> str | None:
    """The client's address as the server saw it (the ASGI scope; never X-Forwarded-For)."""
    return request.client.host if request.client else None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def store_scope(who: Principal) -> str | None:
    """A store key's node (what it may see is limited to what involves it); None otherwise."""
    return who.node_id if who.role is ApiRole.STORE else None


# Printable ASCII, as HTTP allows in a header value; the length of the column that keeps it.
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x20-\x7E]+$"),
]


def request_key(who: Principal, key: str | None) -> RequestKey | None:
    """The Idempotency-Key, scoped to the API key that sent it."""
    return None if key is None else RequestKey(who.key_id, key)
