"""Order search's query string and its list of order summaries (``GET /v1/orders``,
``GET /v1/customers/{id}/orders``). The parameters are read as strings and checked by
``oms.orders.search.parse``, which names each bad one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from oms.orders import search
from oms.orders.search import OrderPage, OrderSummary, SearchParams

_LIST = "repeated or comma-separated: any of them"


def search_params(
    status: Annotated[
        list[str] | None, Query(description=f"{', '.join(search.STATUSES)}; {_LIST}")
    ] = None,
    channel: Annotated[
        list[str] | None, Query(description=f"{', '.join(search.CHANNELS)}; {_LIST}")
    ] = None,
    method: Annotated[list[str] | None, Query(description=f"ship, pickup; {_LIST}")] = None,
    # Named apart from the path's {customer_id} of GET /v1/customers/{customer_id}/orders.
    customer: Annotated[
        str | None, Query(alias="customer_id", description="the customer's id")
    ] = None,
    email: Annotated[str | None, Query(description="the order's e-mail (any case)")] = None,
    node: Annotated[str | None, Query(description="orders with units allocated at it")] = None,
    sku: Annotated[str | None, Query(description="orders with a line of it")] = None,
    created_after: Annotated[
        str | None,
        Query(description="ISO 8601 with offset; inclusive", examples=["2026-12-01T00:00:00Z"]),
    ] = None,
    created_before: Annotated[
        str | None, Query(description="ISO 8601 with offset; exclusive")
    ] = None,
    q: Annotated[
        str | None,
        Query(description="an order id prefix (case as printed), an e-mail, or a phone number"),
    ] = None,
    limit: Annotated[int, Query(description=f"1 to {search.MAX_LIMIT}")] = search.DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(description="a `next_cursor`: the page after it; none: the newest")
    ] = None,
) -> SearchParams:
    return SearchParams(
        status=status or (),
        channel=channel or (),
        method=method or (),
        customer_id=customer,
        email=email,
        node=node,
        sku=sku,
        created_after=created_after,
        created_before=created_before,
        q=q,
        limit=limit,
        cursor=cursor,
    )


SearchParamsDep = Annotated[SearchParams, Depends(search_params)]


class ReturnRefOut(BaseModel):
    id: str
    status: str


class OrderSummaryOut(BaseModel):
    id: str
    status: str
    channel: str
    method: str
    service: str
    created_at: str = Field(description="UTC, ISO 8601")
    customer_id: str | None
    email: str | None
    pickup_node: str | None
    currency: str
    lines: int = Field(description="number of order lines")
    units: int = Field(description="units over every line")
    total_minor: int = Field(description="the lines' price x quantity, in minor units")
    nodes: list[str] = Field(description="every node involved: allocations and pickup store")
    returns: list[ReturnRefOut] = Field(description="the order's returns and their status")

    @classmethod
    def of(cls, s: OrderSummary) -> OrderSummaryOut:
        return cls(
            id=s.id,
            status=s.status,
            channel=s.channel,
            method=s.method,
            service=s.service,
            created_at=s.created_at.isoformat(),
            customer_id=s.customer_id,
            email=s.email,
            pickup_node=s.pickup_node,
            currency=s.currency,
            lines=s.lines,
            units=s.units,
            total_minor=s.total_minor,
            nodes=list(s.nodes),
            returns=[ReturnRefOut(id=r.id, status=r.status) for r in s.returns],
        )


class OrderListOut(BaseModel):
    object: str = "list"
    data: list[OrderSummaryOut] = Field(
        description="newest first; full details: GET /v1/orders/{id}"
    )
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null: last")
    has_more: bool

    @classmethod
    def of(cls, page: OrderPage) -> OrderListOut:
        return cls(
            data=[OrderSummaryOut.of(s) for s in page.orders],
            next_cursor=page.next_cursor,
            has_more=page.has_more,
        )
