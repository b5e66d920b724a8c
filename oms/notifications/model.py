"""A message owed to the customer: what it is about, to whom and in which language, the data
its templates are rendered from, and where its sending stands."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from oms.domain.events import utcnow


class NotificationKind(StrEnum):
    """What the customer is told (each has its templates: oms/notifications/templates)."""

    ORDER_CONFIRMED = "order_confirmed"
    READY_FOR_PICKUP = "ready_for_pickup"
    PICKUP_REMINDER = "pickup_reminder"
    PICKUP_EXPIRED = "pickup_expired"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    ORDER_CANCELLED = "order_cancelled"
    LINES_CANCELLED = "lines_cancelled"
    REFUND_ISSUED = "refund_issued"
    RETURN_RECEIVED = "return_received"


class NotificationStatus(StrEnum):
    PENDING = "pending"  # to send (now or at next_attempt_at)
    SENT = "sent"  # the SMTP server took it
    FAILED = "failed"  # refused for good, or every retry spent
    SKIPPED = "skipped"  # nothing to send it to (last_error says why)


def new_key() -> str:
    """``ntf_`` and 24 hex digits: the notification's public id and its Message-ID's left part,
    the same on every attempt, so a receiver can drop a duplicate after a crash."""
    return f"ntf_{secrets.token_hex(12)}"


@dataclass(eq=False, kw_only=True)
class Notification:
    order_id: str
    kind: str  # a NotificationKind
    channel: str  # "email"
    payload: Any  # the data its templates are rendered from
    key: str = field(default_factory=new_key)
    recipient: str | None = None
    locale: str = "en"
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None  # a mailer is sending it until then
    lease_token: str | None = None  # which mailer
    last_error: str | None = None
    sent_at: datetime | None = None
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None
