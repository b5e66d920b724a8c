"""Request and response bodies of the store counter: pack and ship, pickups and handover,
expired pickups back on the shelf."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from oms.api.fields import Ident, Label
from oms.api.schemas import OrderOut
from oms.api.tracking_schemas import Carrier
from oms.stores.counter_model import MAX_PARCELS

Weight = Field(default=None, strict=True, gt=0, le=1_000_000, description="grams")


class ShelfLineOut(BaseModel):
    sku: str
    name: str = Field(description="the product's name")
    qty: int
    bin: str | None = Field(description="where it sits in the store")
    line_id: str | None = None


class PackLineOut(BaseModel):
    line_id: str
    sku: str
    name: str = Field(description="the product's name")
    qty: int


class ToPackOut(BaseModel):
    shipment_id: str
    order_id: str
    customer_name: str | None
    ordered_at: str
    promised_at: str | None
    ship_to_store: str | None = Field(description="a transfer: the pickup store it goes to")
    lines: list[PackLineOut]


class ParcelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: Carrier = Field(description="colissimo, chronopost, dhl, dpd, fedex, gls, ups...")
    tracking: Label = Field(description="the tracking number, typed or scanned")
    weight_g: int | None = Weight


class ShipParcelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parcels: list[ParcelIn] = Field(
        min_length=1,
        max_length=MAX_PARCELS,
        description="the parcels, in order: the shipment's tracking number is the first's",
    )


class ParcelOut(BaseModel):
    parcel_no: int
    carrier: str
    tracking: str
    weight_g: int | None


class ShippedInParcelsOut(BaseModel):
    order: OrderOut
    parcels: list[ParcelOut]


class ReadyPickupOut(BaseModel):
    order_id: str
    customer_name: str | None
    ready_at: str | None
    expires_at: str | None
    slot_starts_at: str | None
    slot_ends_at: str | None
    due_at: str | None = Field(description="the end of its pickup slot, else of its hold")
    overdue: bool
    lines: list[ShelfLineOut]


class HandoverIn(BaseModel):
    """The pickup code, or else the customer's name (with the order number of the path)."""

    model_config = ConfigDict(extra="forbid")
    pickup_code: Label | None = None
    customer_name: Label | None = Field(
        default=None, description="compared without accents or case with the order's"
    )
    refused: list[Ident] = Field(
        default_factory=list,
        max_length=200,
        description="lines the customer refuses: back to stock at the store, and refunded",
    )


class ExpiredPickupOut(BaseModel):
    order_id: str
    customer_name: str | None
    expired_at: str | None
    lines: list[ShelfLineOut]
