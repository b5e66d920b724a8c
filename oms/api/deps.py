"""Dependencies as Annotated aliases (full-stack-fastapi-template style)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request

from oms.api.auth import Principal, authenticate
from oms.api.state import AppState
from oms.db.uow import UnitOfWork


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.oms
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_uow(state: StateDep) -> Iterator[UnitOfWork]:
    with state.unit_of_work() as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def get_principal(
    state: StateDep, x_api_key: Annotated[str | None, Header(alias="X-API-Key")] = None
) -> Principal:
    with state.sessions() as session:
        return authenticate(session, x_api_key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
