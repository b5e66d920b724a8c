"""Stock counts over JSON: ops request and decide, the store's associate submits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from oms.access.model import ApiRole
from oms.access.principal import Principal
from oms.api.counts_schemas import CountOut, CountRequestIn, CountSubmitIn, count_out
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.fields import NodeId
from oms.api.responses import KEYED, errors
from oms.catalog import stock_counts as counts
from oms.config import get_settings
from oms.domain.limits import ID_LENGTH, NO_CONTROL_CHARS
from oms.stores.counts_model import VarianceThreshold

CountId = Annotated[
    str, Path(min_length=1, max_length=ID_LENGTH, pattern=NO_CONTROL_CHARS, description="count id")
]
router = APIRouter(prefix="/v1", tags=["stores"], responses=errors(*KEYED, 404, 409))


def threshold() -> VarianceThreshold:
    settings = get_settings()
    return VarianceThreshold(settings.count_variance_units, settings.count_variance_percent)


def _who(who: Principal) -> str:
    return who.key_id or who.role.value


@router.post("/stores/{node_id}/counts", status_code=status.HTTP_201_CREATED)
def request_count(
    node_id: NodeId, body: CountRequestIn, uow: UowDep, who: PrincipalDep
) -> CountOut:
    """Ops ask the store to count SKUs (or the SKUs in some bins)."""
    who.require(ApiRole.OPS)
    view = counts.request_count(
        uow, node_id, skus=body.skus, bins=body.bins, requested_by=_who(who)
    )
    return count_out(view)


@router.get("/stores/{node_id}/counts")
def list_counts(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> list[CountOut]:
    """The store's counts waiting for the associate (requested) or for ops (needs_approval)."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    return [
        count_out(counts.count_of(uow, node_id, c.id)) for c in counts.open_counts(uow, node_id)
    ]


@router.get("/stores/{node_id}/counts/{count_id}")
def get_count(node_id: NodeId, count_id: CountId, uow: UowDep, who: PrincipalDep) -> CountOut:
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    return count_out(counts.count_of(uow, node_id, count_id))


@router.post("/stores/{node_id}/counts/{count_id}/submit")
def submit_count(
    node_id: NodeId,
    count_id: CountId,
    body: CountSubmitIn,
    uow: UowDep,
    state: StateDep,
    who: PrincipalDep,
) -> CountOut:
    """What was found on the shelf: applied at once within the variance threshold
    (``OMS_COUNT_VARIANCE_UNITS``, ``OMS_COUNT_VARIANCE_PERCENT``), else needs_approval."""
    who.require(ApiRole.STORE)
    who.require_node(node_id)
    found = _counted(body)
    view = counts.submit_count(uow, state.networks, threshold(), node_id, count_id, found)
    return count_out(view)


@router.post("/stores/{node_id}/counts/{count_id}/approve")
def approve_count(
    node_id: NodeId, count_id: CountId, uow: UowDep, state: StateDep, who: PrincipalDep
) -> CountOut:
    """Ops accept a count beyond the threshold: the stock is set to what was counted."""
    who.require(ApiRole.OPS)
    return count_out(counts.approve_count(uow, state.networks, node_id, count_id, _who(who)))


@router.post("/stores/{node_id}/counts/{count_id}/reject")
def reject_count(node_id: NodeId, count_id: CountId, uow: UowDep, who: PrincipalDep) -> CountOut:
    """Ops refuse a count beyond the threshold: the stock stays as it is."""
    who.require(ApiRole.OPS)
    return count_out(counts.reject_count(uow, node_id, count_id, _who(who)))


def _counted(body: CountSubmitIn) -> dict[str, int]:
    found: dict[str, int] = {}
    for line in body.lines:
        found[line.sku] = found.get(line.sku, 0) + line.counted
    return found
