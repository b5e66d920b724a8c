"""One order on the store's pages: its lines and allocations and "Why this node" (the chosen
plan, its cost, the alternatives the sourcer rejected). Only an order involving this store
(its pickup store, or a node shipping it), as the order read is scoped for a store key.
Server-rendered, no script, no external assets."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oms.api import store_page_access as access
from oms.api.deps import StateDep
from oms.api.errors import STATUS_BY_CODE
from oms.api.explain_schemas import OrderExplanationOut
from oms.domain.errors import OmsError
from oms.orders.explain import order_with_explanation

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)


@router.get("/{node_id}/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, node_id: str, order_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
        with state.unit_of_work() as uow:
            view, found = order_with_explanation(uow, state.networks, order_id, node_id)
    except OmsError as exc:
        status = STATUS_BY_CODE.get(exc.code, 400)
        if status in (401, 403, 429):
            return access.refused(request, exc)
        return access.page(request, "message.html", status, title="Not found", message=exc.detail)
    return access.page(
        request,
        "order_explain.html",
        order=view,
        why=OrderExplanationOut.of(found),
        node=node_id,
        csrf=visitor.csrf,
        logout="/stores/logout",
    )
