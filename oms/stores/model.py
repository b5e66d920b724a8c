"""The store's work: pickup slots, picks and their lines. Plain classes mapped by oms/db/orm.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from oms.domain.events import utcnow


class PickStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


@dataclass(eq=False, kw_only=True)
class PickupSlot:
    """A window in which customers collect at a store, with how many orders it takes."""

    id: str
    node_id: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int = 0


@dataclass(eq=False, kw_only=True)
class Pick:
    """The work of one shipment at a store: released when the order is sourced there."""

    id: str
    order_id: str
    shipment_id: str
    node_id: str
    status: PickStatus
    created_at: datetime = field(default_factory=utcnow)
    confirmed_at: datetime | None = None


@dataclass(eq=False, kw_only=True)
class PickLine:
    pick_id: str
    order_line_id: str
    sku_id: str
    qty: int
    bin_location: str | None = None
    picked: int | None = None


@dataclass(eq=False, kw_only=True)
class PickRejection:
    """Units of a pick line an associate rejected, with the reason code (oms.stores.rejections);
    kept for the ops' rejection analytics."""

    pick_id: str
    order_id: str
    node_id: str
    order_line_id: str
    sku_id: str
    qty: int
    reason: str
    collateral: bool = False
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None
