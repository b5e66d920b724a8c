"""Request and response bodies. Field rules here give 422s that name the field."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class NodeIn(BaseModel):
    """The sourcing contract's node fields, plus the service's own (with defaults)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    can_ship: bool
    can_pickup: bool
    capacity_units: int | None = Field(default=None, ge=0)
    handling_cost: float = Field(ge=0)
    shipment_cost: float = Field(ge=0)
    cost_per_km: float = Field(ge=0)
    timezone: str = "Europe/Paris"
    cutoff_time: str = Field(default="14:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    processing_days: int = Field(default=0, ge=0, le=30)
    open_days: str = Field(default="012345", pattern=r"^[0-6]{1,7}$")
    holidays: list[str] = Field(default_factory=list)
    opens: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    closes: str = Field(default="20:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    pick_lead_minutes: int = Field(default=120, ge=0, le=24 * 60)
    store_protection: int = Field(default=0, ge=0, description="units kept for walk-ins")
    hold_days: int = Field(default=7, ge=1, le=60, description="open days a pickup waits")
    accepts_returns: bool = False


class NodeOut(NodeIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    enabled: bool


class SkuIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    price_minor: int = Field(ge=0)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    final_sale: bool = False


class SkuOut(SkuIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: str


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_hand: int | None = Field(default=None, ge=0)
    safety_stock: int | None = Field(default=None, ge=0)
    bin_location: str | None = Field(default=None, min_length=1, max_length=32)


class QtyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    qty: int = Field(gt=0)
    ref: str | None = None


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delta: int
    reason: str = Field(min_length=1, max_length=200)


class StockRowOut(BaseModel):
    node: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int


class InventoryOut(BaseModel):
    sku: str
    nodes: list[StockRowOut]
    available: int


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    qty: int = Field(gt=0, le=10_000)


class Destination(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    destination: Destination


class AllocationOut(BaseModel):
    sku: str
    node: str
    qty: int


class OptionOut(BaseModel):
    id: str
    method: str
    service: str
    cost: float
    delivery_date: str | None = None
    ready_at: str | None = None
    node: str | None = None
    allocations: list[AllocationOut]


class ShortfallOut(BaseModel):
    sku: str
    requested: int
    available: int


class PromiseOut(BaseModel):
    options: list[OptionOut]
    shortfalls: list[ShortfallOut]


class ErrorOut(BaseModel):
    """Every error: a code, a message naming the field or record, and the code's own fields."""

    model_config = ConfigDict(extra="allow")
    error: str
    detail: str


class ReservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    destination: Destination | None = None
    method: Literal["ship", "pickup"] = "ship"
    pickup_node: str | None = None
    ttl_seconds: int = Field(default=900, ge=1, le=7 * 24 * 3600)
    slot_id: str | None = Field(default=None, description="a pickup slot at the pickup store")


class HeldOut(BaseModel):
    sku: str
    node: str
    qty: int


class ReservationOut(BaseModel):
    id: str
    status: str
    method: str
    pickup_node: str | None
    expires_at: str
    lines: list[HeldOut]


class OrderIn(BaseModel):
    """From a reservation, or from lines and a destination directly."""

    model_config = ConfigDict(extra="forbid")
    reservation_id: str | None = None
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=100)
    destination: Destination | None = None
    method: Literal["ship", "pickup"] = "ship"
    pickup_node: str | None = None
    channel: Literal["web", "app", "store", "marketplace"] = "web"
    slot_id: str | None = Field(default=None, description="a pickup slot at the pickup store")
    discount_minor: int = Field(default=0, ge=0, description="order-level discount")
    shipping_minor: int = Field(default=0, ge=0, description="shipping charged")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[str] | None = None


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=10_000)


class SlotOut(BaseModel):
    id: str
    node: str
    starts_at: str
    ends_at: str
    capacity: int
    booked: int
    remaining: int


class PickLineOut(BaseModel):
    line_id: str
    sku: str
    bin: str | None
    qty: int
    picked: int | None


class PickOut(BaseModel):
    id: str
    order_id: str
    shipment_id: str
    node: str
    status: str
    created_at: str
    lines: list[PickLineOut]


class PickedLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: str = Field(min_length=1)
    picked: int = Field(ge=0)


class PickConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[PickedLineIn] = Field(min_length=1, max_length=500)


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking: str = Field(min_length=1, max_length=200)


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: str = Field(min_length=1)
    qty: int


class ExchangeLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1)
    qty: int


class ReturnIn(BaseModel):
    """Quantities are checked by the returns rules, which name the line and the rule broken."""

    model_config = ConfigDict(extra="forbid")
    order_id: str = Field(min_length=1)
    lines: list[ReturnLineIn] = Field(max_length=500)
    reason: str
    method: str
    store: str | None = None
    exchange: list[ExchangeLineIn] | None = Field(default=None, max_length=100)


class ReceivedLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: str = Field(min_length=1)
    condition: str


class ReceiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ReceivedLineIn] = Field(min_length=1, max_length=500)
