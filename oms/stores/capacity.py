"""Capacity controls of a store: a daily order limit (orders sourced to it per local day) and a
pause switch ("stop sending us orders", until a time or until switched back). The network
serves a paused store, or one whose orders today reached its limit, as disabled
(oms.promise.nodes.closed_for_orders, read by the network cache): sourcing and promise honour
the controls from the next request, by the same path as a node's ``enabled`` flag."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from oms.domain.errors import ValidationError
from oms.domain.events import StoreCapacityChanged
from oms.promise.nodes import closed_for_orders, day_start
from oms.stores.ports import Nodes, StoresUnitOfWork


@dataclass(frozen=True)
class Capacity:
    node: str
    daily_order_limit: int | None
    paused: bool  # paused now
    paused_until: datetime | None
    orders_today: int  # orders sourced to the store since its local midnight
    left_today: int | None  # None: no limit
    taking_orders: bool
    timezone: str  # the store's: its day of orders starts at its midnight


class CapacityReads(Protocol):
    """What reading the controls needs (a store's unit of work, or the Today page's)."""

    @property
    def nodes(self) -> Nodes: ...


def capacity_of(uow: CapacityReads, node_id: str, now: datetime | None = None) -> Capacity:
    now = now or datetime.now(UTC)
    node = uow.nodes.get(node_id)
    today = uow.nodes.orders_since(node_id, day_start(now, node.timezone))
    limit = node.daily_order_limit
    return Capacity(
        node_id,
        limit,
        node.paused_at(now),
        node.paused_until if node.paused_at(now) else None,
        today,
        None if limit is None else max(limit - today, 0),
        not closed_for_orders(node, now, today),
        node.timezone,
    )


def set_capacity(
    uow: StoresUnitOfWork,
    node_id: str,
    daily_order_limit: int | None,
    paused: bool,
    paused_until: datetime | None = None,
    *,
    now: datetime | None = None,
) -> Capacity:
    """Set the store's controls (all of them: a PUT) and commit; the controls as they are."""
    now = now or datetime.now(UTC)
    node = uow.nodes.get(node_id)
    if daily_order_limit is not None and daily_order_limit < 0:
        raise ValidationError([f"daily_order_limit: {daily_order_limit} is below 0"])
    if paused_until is not None and not paused:
        raise ValidationError(["paused_until: only with paused: true"])
    if paused_until is not None and paused_until <= now:
        raise ValidationError([f"paused_until: {paused_until.isoformat()} is not in the future"])
    node.daily_order_limit, node.paused, node.paused_until = daily_order_limit, paused, paused_until
    uow.emit(
        StoreCapacityChanged(
            node_id=node_id,
            daily_order_limit=daily_order_limit,
            paused=paused,
            paused_until=paused_until.isoformat() if paused_until else None,
        )
    )
    found = capacity_of(uow, node_id, now)
    uow.commit()
    return found
