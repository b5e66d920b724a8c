"""What a customer may return of an order, and how, as the eligibility rules would decide it:
the customer's tracking page shows it before any return is asked for.

A line is returnable now when its units are delivered (``returnable_qty`` > 0: delivered and
not on another return), it is not final sale and its window is open (the one window rule,
``eligibility.window_closes_at``); it is returnable until the window closes. Returns come back
by post (always: routing picks the node) or to a store that accepts returns (any of them, from
any channel)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from oms.returns.eligibility import window_closes_at
from oms.returns.model import STORE, OrderFacts, ReturnNode
from oms.returns.policy import ReturnPolicy


@dataclass(frozen=True)
class ReturnableLine:
    line_id: str
    sku: str
    units: int
    until: datetime


@dataclass(frozen=True)
class ReturnOptions:
    lines: tuple[ReturnableLine, ...]  # returnable now
    by_post: bool
    stores: tuple[str, ...]  # stores that take returns in person
    window_days: int  # after delivery

    @property
    def any(self) -> bool:
        return bool(self.lines)


def return_options(
    order: OrderFacts, policy: ReturnPolicy, now: datetime, nodes: Mapping[str, ReturnNode]
) -> ReturnOptions:
    lines = []
    for line in order.lines:
        until = window_closes_at(line, order, policy)
        if until is None or line.final_sale or line.returnable_qty <= 0 or now > until:
            continue
        lines.append(ReturnableLine(line.line_id, line.sku, line.returnable_qty, until))
    stores = sorted(n.node_id for n in nodes.values() if n.kind == STORE and n.accepts_returns)
    return ReturnOptions(
        lines=tuple(lines),
        by_post=True,
        stores=tuple(stores),
        window_days=policy.window_for(order.channel),
    )
