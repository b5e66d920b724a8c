"""Bodies for customer notifications at the API: what a store sends when the customer collects
(``POST /v1/orders/{id}/collect``: the pickup code the customer shows, checked when given), and
how an order's notifications are shown."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from oms.stores.pickup_codes import DIGITS


class CollectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pickup_code: str | None = Field(
        default=None,
        pattern=f"^[0-9]{{{DIGITS}}}$",
        description="The code in the customer's ready-for-pickup e-mail; a wrong one is refused "
        "(422 pickup_code_mismatch) and nothing is collected. Without it the store vouches "
        "for the customer.",
    )


class NotificationStateOut(BaseModel):
    """What ``NotificationOut`` adds: where the message's sending stands."""

    status: str = Field(description="pending, sent, failed or skipped (no e-mail on the order)")
    sent_at: str | None = None
