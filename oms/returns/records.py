"""Returns as stored: an RMA and its lines. Plain classes mapped by oms/db/orm.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oms.domain.events import utcnow


@dataclass(eq=False, kw_only=True)
class ReturnAuthorization:
    """An RMA: units of one order coming back, by mail to a routed node or dropped in a store."""

    id: str
    order_id: str
    status: str  # oms.returns.ReturnStatus
    method: str
    reason: str
    destination: str
    purchase_channel: str
    cross_channel: bool
    exchange: Any = None  # replacement lines asked for, [[sku, qty], ...]
    exchange_order_id: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    received_at: datetime | None = None
    refunded_at: datetime | None = None
    restocked_at: datetime | None = None


@dataclass(eq=False, kw_only=True)
class ReturnLine:
    return_id: str
    order_line_id: str
    sku_id: str
    qty: int
    condition: str | None = None
    disposition: str | None = None
    target_node: str | None = None
    refund_minor: int | None = None
