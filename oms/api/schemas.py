"""Request and response bodies. Field rules here give 422s that name the field; the field types
(oms/api/fields.py) hold every number and name within what the database stores."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from oms.api.customer_schemas import AddressIn, AddressOut, WhoIn
from oms.api.fields import (
    Ident,
    Label,
    Latitude,
    LineQty,
    Longitude,
    Minor,
)
from oms.api.notification_schemas import NotificationStateOut
from oms.api.tracking_schemas import Carrier, TrackingEntryOut
from oms.domain.limits import MAX_LINE_QTY, MAX_LINES
from oms.orders.tracking import TrackingStatus


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Ident
    qty: LineQty


class Destination(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: Latitude
    lon: Longitude


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    destination: Destination | None = Field(
        default=None, description="where to deliver; or give the postal address"
    )
    address: AddressIn | None = Field(
        default=None, description="located from the shipped data when no destination is given"
    )


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


class RefusalOut(BaseModel):
    rule: str
    message: str
    line_id: str | None = None
    index: int | None = None


class ErrorOut(BaseModel):
    """Every error: a code, a message naming the field or record, and the code's own fields."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(description="a stable code: invalid_input, not_found, conflict, ...")
    detail: str = Field(description="what is wrong, naming the field or record")
    fields: list[str] | None = Field(
        default=None, description="invalid_input: one entry per field, `path.to.field: message`"
    )
    shortfalls: list[ShortfallOut] | None = Field(
        default=None, description="insufficient_stock: each SKU short, asked and available"
    )
    refusals: list[RefusalOut] | None = Field(
        default=None, description="return_refused: each rule a return request breaks"
    )


Method = Literal["ship", "pickup"]
Service = Literal["standard", "express", "click_and_collect"]
METHOD_DOC = "ship or pickup (default: pickup for a click_and_collect service or option, else ship)"
SERVICE_DOC = (
    "the delivery service (default: standard, or click_and_collect for a pickup); "
    "not with option_id"
)
OPTION_DOC = (
    "the id of the promise option chosen (standard, express or pickup:<store>) instead of "
    "service; a pickup option names the pickup store"
)


class ReservationIn(WhoIn):
    model_config = ConfigDict(extra="forbid")
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_LINES)
    destination: Destination | None = None
    method: Method | None = Field(default=None, description=METHOD_DOC)
    service: Service | None = Field(default=None, description=SERVICE_DOC)
    option_id: Ident | None = Field(default=None, description=OPTION_DOC)
    pickup_node: Ident | None = None
    ttl_seconds: int = Field(default=900, strict=True, ge=1, le=7 * 24 * 3600)
    slot_id: Ident | None = Field(default=None, description="a pickup slot at the pickup store")


class HeldOut(BaseModel):
    sku: str
    node: str
    qty: int


class ReservationOut(BaseModel):
    id: str
    status: str
    method: str
    service: Service
    pickup_node: str | None
    expires_at: str
    lines: list[HeldOut]


class OrderIn(WhoIn):
    """From a reservation, or from lines and a destination (or address) directly."""

    model_config = ConfigDict(extra="forbid")
    reservation_id: Ident | None = None
    lines: list[LineIn] | None = Field(default=None, min_length=1, max_length=MAX_LINES)
    destination: Destination | None = None
    method: Method | None = Field(default=None, description=METHOD_DOC)
    service: Service | None = Field(
        default=None, description=SERVICE_DOC + "; with a reservation, default its own"
    )
    option_id: Ident | None = Field(default=None, description=OPTION_DOC)
    pickup_node: Ident | None = None
    channel: Literal["web", "app", "store", "marketplace"] = "web"
    slot_id: Ident | None = Field(default=None, description="a pickup slot at the pickup store")
    discount_minor: Minor = Field(default=0, description="order-level discount")
    shipping_minor: Minor = Field(default=0, description="shipping charged")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[Ident] | None = Field(default=None, max_length=MAX_LINES)


class LineAllocationOut(BaseModel):
    node: str
    qty: int
    shipment: str | None


class OrderLineOut(BaseModel):
    id: str
    sku: str
    qty: int
    status: str
    price_minor: int
    allocations: list[LineAllocationOut]


class ShipmentOut(BaseModel):
    id: str
    node: str
    status: str
    tracking: str | None
    carrier: str | None = None
    tracking_url: str | None = None
    tracking_status: TrackingStatus | None = None
    history: list[TrackingEntryOut] = []
    promised_at: str | None
    shipped_at: str | None
    delivered_at: str | None


class OrderPickOut(BaseModel):
    id: str
    node: str
    shipment: str
    status: str


class RefundOut(BaseModel):
    id: str
    line: str | None
    amount_minor: int
    reason: str


class NotificationOut(NotificationStateOut):
    kind: str
    channel: str
    at: str


class EventOut(BaseModel):
    type: str
    at: str
    data: Any


class PromiseDates(BaseModel):
    delivery_date: str | None = None
    ready_at: str | None = None


class OrderOut(BaseModel):
    id: str
    status: str
    channel: str
    method: str
    service: Service
    pickup_node: str | None
    slot_id: str | None
    destination: Destination | None
    reservation_id: str | None
    discount_minor: int
    shipping_minor: int
    customer_id: str | None = None
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    locale: str | None = None
    address: AddressOut | None = None
    located_by: str | None = Field(
        default=None, description="how the destination was found: given, postcode, city"
    )
    promise: PromiseDates | None
    ready_at: str | None
    expires_at: str | None
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]
    picks: list[OrderPickOut]
    refunds: list[RefundOut]
    notifications: list[NotificationOut]
    events: list[EventOut]


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(strict=True, ge=1, le=10_000)


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
    name: str = Field(description="the product's name in the SKU catalogue")
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


class PickConfirmedOut(BaseModel):
    pick: PickOut
    order: OrderOut


class PickedLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: Ident
    picked: int = Field(strict=True, ge=0, le=MAX_LINE_QTY)


class PickConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[PickedLineIn] = Field(min_length=1, max_length=500)


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tracking: Label = Field(description="the carrier's tracking number")
    carrier: Carrier | None = Field(
        default=None,
        description="the carrier (colissimo, chronopost, dhl, dpd, fedex, gls, ups...): a known "
        "one gives the shipment its tracking link",
    )


# Return quantities may be out of range on purpose: the returns rules refuse them by name.
ReturnQty = Annotated[int, Field(strict=True, ge=-MAX_LINE_QTY, le=MAX_LINE_QTY)]


class ReturnLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: Ident
    qty: ReturnQty


class ExchangeLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: Ident
    qty: ReturnQty


class ReturnIn(BaseModel):
    """Quantities are checked by the returns rules, which name the line and the rule broken."""

    model_config = ConfigDict(extra="forbid")
    order_id: Ident
    lines: list[ReturnLineIn] = Field(max_length=500)
    reason: Ident
    method: Ident
    store: Ident | None = None
    exchange: list[ExchangeLineIn] | None = Field(default=None, max_length=MAX_LINES)


class ReceivedLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: Ident
    condition: Ident


class ReceiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[ReceivedLineIn] = Field(min_length=1, max_length=500)


class ReturnLineOut(BaseModel):
    line_id: str
    sku: str
    qty: int
    condition: str | None
    disposition: str | None
    node: str | None
    refund_minor: int | None


class ReturnOut(BaseModel):
    id: str
    order_id: str
    status: str
    method: str
    reason: str
    destination: str
    cross_channel: bool
    exchange_order_id: str | None
    lines: list[ReturnLineOut]
    refund_minor: int
    created_at: str
    received_at: str | None
    refunded_at: str | None
    events: list[EventOut]
