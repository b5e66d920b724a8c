"""The RMA lifecycle: which status may follow which. Pure rules, no persistence.

mail:     requested -> in_transit (label issued) -> received -> refunded | exchanged -> closed
in store: requested -> awaiting_drop_off -> received -> refunded | exchanged -> closed
A return may be cancelled while requested, or while awaiting a drop-off that never comes; once
the parcel is on its way it can only be received.
"""

from __future__ import annotations

from enum import StrEnum

from oms.domain.errors import OmsError
from oms.returns.policy import Method


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    IN_TRANSIT = "in_transit"
    AWAITING_DROP_OFF = "awaiting_drop_off"
    RECEIVED = "received"
    REFUNDED = "refunded"
    EXCHANGED = "exchanged"
    CLOSED = "closed"
    CANCELLED = "cancelled"


R = ReturnStatus
ALLOWED: dict[ReturnStatus, frozenset[ReturnStatus]] = {
    R.REQUESTED: frozenset({R.IN_TRANSIT, R.AWAITING_DROP_OFF, R.CANCELLED}),
    R.IN_TRANSIT: frozenset({R.RECEIVED}),
    R.AWAITING_DROP_OFF: frozenset({R.RECEIVED, R.CANCELLED}),
    R.RECEIVED: frozenset({R.REFUNDED, R.EXCHANGED}),
    R.REFUNDED: frozenset({R.CLOSED}),
    R.EXCHANGED: frozenset({R.CLOSED}),
    R.CLOSED: frozenset(),
    R.CANCELLED: frozenset(),
}
# The statuses whose units count in OrderLineFacts.returned_qty: every status but cancelled.
COUNTS_AS_RETURNED = frozenset(set(R) - {R.CANCELLED})


class IllegalReturnTransition(OmsError):
    """Same code as the order lifecycle's IllegalTransition, so adapters treat both alike."""

    code = "illegal_transition"

    def __init__(self, current: ReturnStatus, target: ReturnStatus) -> None:
        super().__init__(f"return is {current.value}: it cannot become {target.value}")
        self.current = current
        self.target = target


def transition(current: ReturnStatus, target: ReturnStatus) -> ReturnStatus:
    """The new status, or IllegalReturnTransition when the lifecycle does not allow the step."""
    if target not in ALLOWED[current]:
        raise IllegalReturnTransition(current, target)
    return target


def status_after_approval(method: Method) -> ReturnStatus:
    """Where an approved RMA goes next: in transit once a mail label is issued, or awaiting
    the customer's drop-off in store."""
    return R.IN_TRANSIT if method is Method.MAIL else R.AWAITING_DROP_OFF
