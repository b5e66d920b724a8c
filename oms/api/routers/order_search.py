"""Order search: ``GET /v1/orders`` with filters, newest first, page by page."""

from __future__ import annotations

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep, store_scope
from oms.api.order_search_schemas import OrderListOut, SearchParamsDep
from oms.api.responses import KEYED, errors
from oms.orders import search

router = APIRouter(prefix="/v1/orders", tags=["orders"], responses=errors(*KEYED))


@router.get("")
def list_orders(uow: UowDep, who: PrincipalDep, params: SearchParamsDep) -> OrderListOut:
    """Orders newest first (created_at, then id), every filter applying (a repeated or
    comma-separated status, channel or method: any of them). Follow `next_cursor` for the next
    page: orders placed meanwhile are newer than the listing and never show on a later page.
    A store key lists only the orders that involve its store (an allocation there, or picked
    up there). A bad value is 422 naming the parameter."""
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return OrderListOut.of(search.search_orders(uow, params, store_scope(who)))
