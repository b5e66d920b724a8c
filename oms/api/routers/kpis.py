"""Live omnichannel KPIs (ops): GET /v1/kpis."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.kpi_schemas import KpisOut
from oms.api.responses import KEYED, errors
from oms.kpis.service import DEFINITIONS, MAX_SPAN, kpis_asked

router = APIRouter(prefix="/v1/kpis", tags=["kpis"], responses=errors(*KEYED))

_DEFINED = "\n".join(f"- `{key}`: {text}" for key, text in DEFINITIONS.items())
ISO = "an ISO 8601 instant with its offset, e.g. 2026-09-01T00:00:00Z"


DESCRIPTION = f"""The omnichannel KPIs computed from the live database over [from, to)
(at most {MAX_SPAN.days} days), each with its value (numerator and denominator for a rate) and
a series per day or week (buckets start at 00:00 UTC, weeks on Monday). The definitions are
those of the replay where they overlap (`oms/kpis/rules.py`):

{_DEFINED}

A naive or malformed instant, `to` not after `from`, a longer span or an unknown bucket is a
422 naming the parameter; only ops keys may read it (403 otherwise)."""


@router.get("", response_model=KpisOut, description=DESCRIPTION)
def read_kpis(
    uow: UowDep,
    state: StateDep,
    who: PrincipalDep,
    start: Annotated[str, Query(alias="from", description=f"start (included): {ISO}")],
    end: Annotated[str, Query(alias="to", description=f"end (excluded): {ISO}")],
    bucket: Annotated[
        str | None, Query(description="the series' buckets: `day` (default) or `week`")
    ] = None,
) -> KpisOut:
    """The omnichannel KPIs over a period, from the live database."""
    who.require(ApiRole.OPS)
    found = kpis_asked(uow, start, end, bucket, outcomes=state.networks.outcomes)
    return KpisOut.of(found)
