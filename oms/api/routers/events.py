"""The event feed (ops): every public event in commit order, for integrations that pull."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, UowDep
from oms.api.responses import KEYED, errors
from oms.integrations import feed
from oms.integrations.catalogue import OutboxMessage

router = APIRouter(prefix="/v1/events", tags=["integrations"], responses=errors(*KEYED))


class EventOut(BaseModel):
    id: str = Field(description="the event's id (`evt_...`), also a webhook's `webhook-id`")
    type: str = Field(examples=["order.shipped"])
    timestamp: str = Field(description="when it happened (UTC, ISO 8601)")
    data: dict[str, Any]

    @classmethod
    def of(cls, message: OutboxMessage) -> EventOut:
        return cls.model_validate(message.body())


class EventPage(BaseModel):
    object: str = "list"
    data: list[EventOut]
    next_cursor: str = Field(description="pass as `after` to read on from here")
    has_more: bool = Field(description="more events are there now; false: poll again later")


@router.get("")
def list_events(
    uow: UowDep,
    who: PrincipalDep,
    after: Annotated[str | None, Query(description="a `next_cursor`; none: the start")] = None,
    types: Annotated[
        list[str] | None,
        Query(description="event types or families (`order.*`), repeated or comma-separated"),
    ] = None,
    limit: Annotated[int, Query(description=f"1 to {feed.MAX_LIMIT}")] = feed.DEFAULT_LIMIT,
) -> EventPage:
    """Events in commit order after a cursor. Following `next_cursor` from the start sees every
    event exactly once, in the order the changes committed; an event shows here once the
    dispatcher has sequenced it (within a fraction of a second of its commit). A bad cursor,
    type or limit is 422 naming the parameter."""
    who.require(ApiRole.OPS)
    wanted = [t.strip() for given in types or [] for t in given.split(",") if t.strip()]
    page = feed.read_feed(uow.feed, after, wanted, limit)
    return EventPage(
        data=[EventOut.of(m) for m in page.events],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )
