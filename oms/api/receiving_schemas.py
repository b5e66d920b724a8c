"""Bodies of the store's incoming transfers (``/v1/stores/{node}/incoming``, receive)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from oms.api.fields import Ident
from oms.api.schemas import OrderOut
from oms.domain.limits import MAX_LINE_QTY


class ReceivedCountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: Ident
    received: int = Field(strict=True, ge=0, le=MAX_LINE_QTY, description="units counted")


class TransferReceiveIn(BaseModel):
    """Every order line of the shipment, with the units counted at the store."""

    model_config = ConfigDict(extra="forbid")
    lines: list[ReceivedCountIn] = Field(min_length=1, max_length=500)


class IncomingLineOut(BaseModel):
    line_id: str
    sku: str
    qty: int


class IncomingOut(BaseModel):
    shipment_id: str
    order_id: str
    from_node: str
    shipped_at: str | None
    tracking: str | None
    carrier: str | None
    lines: list[IncomingLineOut]


class ReceiptLineOut(BaseModel):
    line_id: str
    sku: str
    expected: int
    received: int
    difference: int = Field(description="received - expected: over (> 0) or under (< 0)")


class TransferReceiptOut(BaseModel):
    shipment_id: str
    store: str
    lines: list[ReceiptLineOut]
    order: OrderOut
