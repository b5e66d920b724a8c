"""Bodies of the stock count routes (``/v1/stores/{node}/counts...``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from oms.api.fields import Ident, Units
from oms.catalog.stock_counts import MAX_SKUS, CountView


class CountRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    skus: list[Ident] = Field(default_factory=list, max_length=MAX_SKUS)
    bins: list[Ident] = Field(
        default_factory=list,
        max_length=MAX_SKUS,
        description="bin locations at the store: the SKUs whose stock rows are there are counted",
    )


class CountedLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Ident
    counted: Units


class CountSubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[CountedLineIn] = Field(min_length=1, max_length=MAX_SKUS)


class CountLineOut(BaseModel):
    sku: str
    expected: int | None = Field(description="on_hand when the count was entered")
    counted: int | None
    variance: int | None


class CountOut(BaseModel):
    id: str
    node: str
    status: str = Field(description="requested, submitted, needs_approval, applied or rejected")
    requested_by: str
    created_at: datetime
    submitted_at: datetime | None
    decided_by: str | None
    applied_at: datetime | None
    lines: list[CountLineOut]


def count_out(view: CountView) -> CountOut:
    c = view.count
    return CountOut(
        id=c.id,
        node=c.node_id,
        status=c.status.value,
        requested_by=c.requested_by,
        created_at=c.created_at,
        submitted_at=c.submitted_at,
        decided_by=c.decided_by,
        applied_at=c.applied_at,
        lines=[
            CountLineOut(sku=x.sku_id, expected=x.expected, counted=x.counted, variance=x.variance)
            for x in view.lines
        ],
    )
