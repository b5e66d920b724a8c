"""What a return shows: its status and route, each line's condition, disposition and refund, the
money given back, and its own history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oms.domain.events import Aggregate
from oms.returns.ports import ReturnsUnitOfWork
from oms.returns.records import ReturnAuthorization


@dataclass(frozen=True)
class ReturnLineView:
    line_id: str
    sku: str
    qty: int
    condition: str | None
    disposition: str | None
    node: str | None  # where the units go: restocked there, or transferred to it
    refund_minor: int | None


@dataclass(frozen=True)
class HistoryEntry:
    type: str
    at: str
    data: Any


@dataclass(frozen=True)
class ReturnView:
    id: str
    order_id: str
    status: str
    method: str
    reason: str
    destination: str
    cross_channel: bool
    exchange_order_id: str | None
    lines: list[ReturnLineView]
    refund_minor: int  # every refund of the return: items, shipping, an exchange's balance
    created_at: str
    received_at: str | None
    refunded_at: str | None
    events: list[HistoryEntry]


def return_view(uow: ReturnsUnitOfWork, rma: ReturnAuthorization) -> ReturnView:
    refunds = uow.refunds.list_by(return_id=rma.id, order_by="created_at")
    lines = uow.return_lines.list_by(return_id=rma.id, order_by="order_line_id")
    return ReturnView(
        id=rma.id,
        order_id=rma.order_id,
        status=rma.status,
        method=rma.method,
        reason=rma.reason,
        destination=rma.destination,
        cross_channel=rma.cross_channel,
        exchange_order_id=rma.exchange_order_id,
        lines=[
            ReturnLineView(
                line_id=ln.order_line_id,
                sku=ln.sku_id,
                qty=ln.qty,
                condition=ln.condition,
                disposition=ln.disposition,
                node=ln.target_node,
                refund_minor=ln.refund_minor,
            )
            for ln in lines
        ],
        refund_minor=sum(r.amount_minor for r in refunds),
        created_at=rma.created_at.isoformat(),
        received_at=_iso(rma.received_at),
        refunded_at=_iso(rma.refunded_at),
        events=[
            HistoryEntry(e.type, e.occurred_at.isoformat(), e.payload)
            for e in uow.events.history(Aggregate.RETURN, rma.id)
        ],
    )


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
