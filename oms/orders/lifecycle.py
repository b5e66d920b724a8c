"""The order lifecycle: which status may follow which. Pure rules, no persistence.

ship:   created -> allocated -> (picking) -> shipped -> delivered
pickup: created -> allocated -> picking -> ready_for_pickup -> collected | expired
Any status before the goods leave (or are collected) may be cancelled.
"""

from __future__ import annotations

from enum import StrEnum

from oms.domain.errors import OmsError


class OrderStatus(StrEnum):
    CREATED = "created"
    ALLOCATED = "allocated"
    PICKING = "picking"
    READY_FOR_PICKUP = "ready_for_pickup"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COLLECTED = "collected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


S = OrderStatus
ALLOWED: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.ALLOCATED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.PICKING, S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED}),
    # A short pick sends the order back to allocated while the missing units are re-sourced.
    S.PICKING: frozenset({S.ALLOCATED, S.SHIPPED, S.READY_FOR_PICKUP, S.CANCELLED}),
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED, S.EXPIRED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.COLLECTED: frozenset(),
    S.EXPIRED: frozenset(),
    S.CANCELLED: frozenset(),
}
CANCELLABLE = frozenset(s for s, nxt in ALLOWED.items() if S.CANCELLED in nxt)


class IllegalTransition(OmsError):
    code = "illegal_transition"

    def __init__(self, current: OrderStatus, target: OrderStatus, what: str = "order") -> None:
        super().__init__(f"{what} is {current.value}: it cannot become {target.value}")
        self.current = current
        self.target = target


def transition(current: OrderStatus, target: OrderStatus, what: str = "order") -> OrderStatus:
    """The new status, or IllegalTransition when the lifecycle does not allow the step."""
    if target not in ALLOWED[current]:
        raise IllegalTransition(current, target, what)
    return target
