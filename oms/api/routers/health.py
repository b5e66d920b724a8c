"""Liveness and readiness: no key needed."""

from __future__ import annotations

from fastapi import APIRouter

from oms.api.deps import StateDep
from oms.api.responses import errors
from oms.domain.errors import OmsError

router = APIRouter(tags=["health"])


class NotReady(OmsError):
    code = "not_ready"


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=errors(503))
def readyz(state: StateDep) -> dict[str, str]:
    if not state.warm.is_set():
        raise NotReady("sourcing kernels are still compiling")
    return {"status": "ready"}
