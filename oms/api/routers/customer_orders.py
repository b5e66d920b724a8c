"""A customer's orders from every channel: ``GET /v1/customers/{id}/orders``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep, store_scope
from oms.api.order_search_schemas import OrderListOut, SearchParamsDep
from oms.api.responses import KEYED, errors
from oms.domain.limits import ID_LENGTH, NO_CONTROL_CHARS
from oms.orders import search

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=errors(*KEYED, 404))

CustomerId = Annotated[
    str,
    Path(min_length=1, max_length=ID_LENGTH, pattern=NO_CONTROL_CHARS, description="customer id"),
]


@router.get("/{customer_id}/orders")
def customer_orders(
    customer_id: CustomerId, uow: UowDep, who: PrincipalDep, params: SearchParamsDep
) -> OrderListOut:
    """The customer's orders from every channel (web, app, store, marketplace), newest first,
    each with its status and returns; the filters and paging of `GET /v1/orders`. A store key
    sees only the orders that involve its store. 404 `not_found` when there is no such
    customer."""
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return OrderListOut.of(search.customer_orders(uow, customer_id, params, store_scope(who)))
