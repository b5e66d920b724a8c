"""The live sourcing policy and its prices (ops): GET /v1/sourcing/policy."""

from __future__ import annotations

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep
from oms.api.responses import KEYED, errors
from oms.api.sourcing_schemas import SourcingPolicyOut

router = APIRouter(prefix="/v1/sourcing", tags=["sourcing"], responses=errors(*KEYED))

DESCRIPTION = """The sourcing policy this serving process runs (OMS_SOURCING_POLICY): `online`
sources each order at its cheapest; `lookahead` adds to each unit's cost its opportunity cost
for the demand still to come today (forecast from the same weekday's orders of the last
OMS_LOOKAHEAD_WEEKS weeks), re-priced every OMS_LOOKAHEAD_REFRESH_S seconds off the request
path. Says when the prices in use were computed, how long it took, the units forecast, how many
(SKU, node) pairs carry a price and the highest prices. Per process: under `oms serve --workers
N` each worker answers for its own board. Only ops keys may read it (403 otherwise)."""


@router.get("/policy", response_model=SourcingPolicyOut, description=DESCRIPTION)
async def read_policy(state: StateDep, who: PrincipalDep) -> SourcingPolicyOut:
    """The live sourcing policy and the state of its prices."""
    who.require(ApiRole.OPS)
    return SourcingPolicyOut.of(state.networks)
