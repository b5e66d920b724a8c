"""Bodies of the store's pick routes beyond confirmation: the batch walk, rejections with reason
codes and their analytics, and the store's capacity controls (oms/api/routers/store_picks.py)."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from oms.api.fields import Flag, Ident, PositiveUnits, Units
from oms.api.schemas import OrderOut, PickedLineIn
from oms.stores.capacity import Capacity
from oms.stores.rejection_reasons import REASONS

REASON_HELP = "the reason code: " + ", ".join(
    f"`{r.code}` (stock effect: {r.effect.value})" for r in REASONS.values()
)


class BatchLineOut(BaseModel):
    pick_id: str
    order_id: str
    line_id: str
    qty: int


class BatchStopOut(BaseModel):
    bin: str | None
    sku: str
    name: str = Field(description="the product's name in the SKU catalogue")
    qty: int = Field(description="units to take at this stop, all orders together")
    lines: list[BatchLineOut]


class BatchWalkOut(BaseModel):
    node: str
    picks: list[str]
    stops: list[BatchStopOut] = Field(description="by bin, then SKU; SKUs without a bin last")


class BatchPickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pick_id: Ident
    lines: list[PickedLineIn] = Field(min_length=1, max_length=500)


class BatchConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    picks: list[BatchPickIn] = Field(min_length=1, max_length=50)


class BatchConfirmedOut(BaseModel):
    confirmed: list[str]


class RejectLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: Ident
    qty: PositiveUnits = Field(description="units rejected, at most the line's open units")


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[RejectLineIn] | None = Field(
        default=None, max_length=500, description="omitted: every open unit of the pick"
    )
    reason: Ident = Field(description=REASON_HELP)
    collateral: Flag = Field(
        default=False, description="reject the same SKUs in the store's other open picks too"
    )


class RejectedPickOut(BaseModel):
    pick_id: str
    order_id: str
    lines: dict[str, int] = Field(description="order line -> units rejected")
    collateral: bool


class RejectionOut(BaseModel):
    node: str
    reason: str
    picks: list[RejectedPickOut] = Field(description="the pick asked first, then collateral")
    orders: list[OrderOut] = Field(description="the orders touched, with their new shipments")


class TallyOut(BaseModel):
    key: str
    count: int = Field(description="pick lines rejected")
    units: int


class RejectionSummaryOut(BaseModel):
    since: str
    days: int
    count: int
    units: int
    by_reason: list[TallyOut]
    by_sku: list[TallyOut]
    by_store: list[TallyOut]


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    daily_order_limit: Units | None = Field(
        default=None, description="orders sourced to the store per local day; null: no limit"
    )
    paused: Flag = Field(default=False, description="stop sending orders to the store")
    paused_until: AwareDatetime | None = Field(
        default=None, description="paused until then (with paused: true); null: until unpaused"
    )


class CapacityOut(BaseModel):
    node: str
    daily_order_limit: int | None
    paused: bool = Field(description="paused now")
    paused_until: str | None
    orders_today: int = Field(description="orders sourced to the store since its local midnight")
    left_today: int | None = Field(description="orders it still takes today; null: no limit")
    taking_orders: bool = Field(description="sourcing and promise may send it orders now")
    timezone: str = Field(description="the store's: its day of orders starts at its midnight")


def capacity_out(c: Capacity) -> CapacityOut:
    until = c.paused_until.isoformat() if c.paused_until else None
    return CapacityOut(**{**asdict(c), "paused_until": until})
