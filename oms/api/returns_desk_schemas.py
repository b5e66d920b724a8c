"""Bodies of the returns desk's lookup (``GET /v1/stores/{node}/returns/lookup``)."""

from __future__ import annotations

from pydantic import BaseModel


class DeskLineOut(BaseModel):
    line_id: str
    sku: str
    qty: int
    price_minor: int
    status: str


class DeskReturnOut(BaseModel):
    id: str
    status: str


class DeskOrderOut(BaseModel):
    """What the desk needs to take a return: no customer details, no sourcing."""

    id: str
    status: str
    channel: str
    method: str
    created_at: str
    currency: str
    total_minor: int
    lines: list[DeskLineOut]
    returns: list[DeskReturnOut]
