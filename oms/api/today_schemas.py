"""The store's Today answer (``GET /v1/stores/{node}/today``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from oms.api.store_picks_schemas import CapacityOut, capacity_out
from oms.stores.today import Today


class QueuesOut(BaseModel):
    to_pick: int = Field(description="open picks")
    to_pack: int = Field(description="picked shipments leaving the store, not shipped yet")
    ready_for_pickup: int
    overdue_pickups: int = Field(description="ready past their hold or their slot's end")
    incoming_transfers: int = Field(description="shipments from other nodes for pickups here")
    returns_to_receive: int = Field(description="in-store returns at this store, not received")
    counts_requested: int


class HoursOut(BaseModel):
    date: str = Field(description="the store's local date")
    timezone: str
    open_today: bool
    opens: str | None
    closes: str | None
    open_now: bool


class TodayOut(BaseModel):
    node: str
    queues: QueuesOut
    hours: HoursOut
    capacity_units: int | None = Field(description="units a day; null: no limit")
    units_allocated_today: int
    capacity_left_today: int | None
    capacity_controls: CapacityOut = Field(
        description="the daily order limit, orders today and left today, the pause switch"
    )


def today_out(t: Today) -> TodayOut:
    q, h = t.queues, t.hours
    return TodayOut(
        node=t.node,
        queues=QueuesOut(**{name: getattr(q, name) for name in QueuesOut.model_fields}),
        hours=HoursOut(**{name: getattr(h, name) for name in HoursOut.model_fields}),
        capacity_units=t.capacity_units,
        units_allocated_today=t.units_allocated_today,
        capacity_left_today=t.capacity_left_today,
        capacity_controls=capacity_out(t.capacity_controls),
    )
