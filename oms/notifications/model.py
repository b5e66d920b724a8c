"""A message owed to the customer, for the mailer to send."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oms.domain.events import utcnow


@dataclass(eq=False, kw_only=True)
class Notification:
    order_id: str
    kind: str  # "ready_for_pickup", "pickup_expired"
    channel: str  # "email"
    payload: Any
    created_at: datetime = field(default_factory=utcnow)
    id: int | None = None
