"""The live KPIs' facts (`oms.kpis.ports.KpiFacts`): a few grouped reads per period, joined in
Python by order, and the promise tallies' adds (an upsert that adds, so processes may race)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oms.db import tables
from oms.domain.events import Aggregate
from oms.kpis.ports import CountFact, OrderFact, PromiseTally, ReturnFact
from oms.orders.model import DeliveryMethod, ShipmentStatus
from oms.returns.policy import Method, Reason

# The order events the KPIs read: a short pick, ready for pickup, a shipment added by
# re-sourcing (not part of the promise made when ordered).
_EVENTS = ("ShortPicked", "ReadyForPickup", "Resourced")


@dataclass
class _Trail:
    """What the reads found about one order, before it becomes an `OrderFact`."""

    store_supplied: bool = False
    returned_in_store: bool = False
    wrong_item: bool = False
    short_picked: bool = False
    ready_at: datetime | None = None
    resourced: set[str] = field(default_factory=set)
    shipments: list[Any] = field(default_factory=list)


class SqlKpiFacts:
    def __init__(self, session: Session) -> None:
        self.session = session

    def orders(self, start: datetime, end: datetime) -> list[OrderFact]:
        o = tables.orders.c
        placed = select(o.id).where(o.created_at >= start, o.created_at < end)
        trails: dict[str, _Trail] = defaultdict(_Trail)
        self._store_supplied(placed, trails)
        self._returns_of(placed, trails)
        self._events_of(placed, start, trails)
        self._shipments_of(placed, trails)
        zones = self._store_zones()
        rows = self.session.execute(
            select(o.id, o.channel, o.method, o.created_at, o.pickup_node)
            .where(o.created_at >= start, o.created_at < end)
            .order_by(o.created_at, o.id)
        )
        return [_fact(row, trails[row.id], zones) for row in rows]

    def _store_supplied(self, placed: Select[Any], trails: dict[str, _Trail]) -> None:
        a, ol, n = tables.allocations.c, tables.order_lines.c, tables.nodes.c
        stmt = (
            select(ol.order_id)
            .join_from(tables.allocations, tables.order_lines, ol.id == a.order_line_id)
            .join(tables.nodes, n.id == a.node_id)
            .where(n.kind == "store", ol.order_id.in_(placed))
            .distinct()
        )
        for (order_id,) in self.session.execute(stmt):
            trails[order_id].store_supplied = True

    def _returns_of(self, placed: Select[Any], trails: dict[str, _Trail]) -> None:
        r = tables.returns.c
        stmt = select(r.order_id, r.method, r.reason).where(r.order_id.in_(placed))
        for order_id, method, reason in self.session.execute(stmt):
            trail = trails[order_id]
            trail.returned_in_store |= method == Method.IN_STORE.value
            trail.wrong_item |= reason == Reason.WRONG_ITEM.value

    def _events_of(self, placed: Select[Any], start: datetime, trails: dict[str, _Trail]) -> None:
        e = tables.events.c
        stmt = (
            select(e.aggregate_id, e.type, e.occurred_at, e.payload)
            .where(
                e.aggregate == Aggregate.ORDER,
                e.type.in_(_EVENTS),
                e.occurred_at >= start,  # nothing happens to an order before it is placed
                e.aggregate_id.in_(placed),
            )
            .order_by(e.id)
        )
        for order_id, kind, at, payload in self.session.execute(stmt):
            trail = trails[order_id]
            if kind == "ShortPicked":
                trail.short_picked = True
            elif kind == "ReadyForPickup":
                trail.ready_at = trail.ready_at or at
            else:
                trail.resourced.add(payload["shipment"])

    def _shipments_of(self, placed: Select[Any], trails: dict[str, _Trail]) -> None:
        s = tables.shipments.c
        stmt = select(
            s.order_id, s.id, s.status, s.promised_at, s.shipped_at, s.delivered_at
        ).where(s.order_id.in_(placed))
        for row in self.session.execute(stmt):
            trails[row.order_id].shipments.append(row)

    def _store_zones(self) -> dict[str, str]:
        n = tables.nodes.c
        return {node: zone for node, zone in self.session.execute(select(n.id, n.timezone))}

    def returns(self, start: datetime, end: datetime) -> list[ReturnFact]:
        r = tables.returns.c
        stmt = (
            select(r.id, r.created_at, r.cross_channel)
            .where(r.created_at >= start, r.created_at < end)
            .order_by(r.created_at)
        )
        return [ReturnFact(i, at, bool(cross)) for i, at, cross in self.session.execute(stmt)]

    def promise_tallies(self, start: datetime, end: datetime) -> list[PromiseTally]:
        t = tables.promise_tallies.c
        stmt = (
            select(t.hour, t.lines, t.available)
            .where(t.hour >= start, t.hour < end)
            .order_by(t.hour)
        )
        return [PromiseTally(h, int(n), int(a)) for h, n, a in self.session.execute(stmt)]

    def add_promise_tallies(self, tallies: Sequence[PromiseTally]) -> None:
        table = tables.promise_tallies
        rows = [{"hour": t.hour, "lines": t.lines, "available": t.available} for t in tallies]
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table)
        added = {
            "lines": table.c.lines + stmt.excluded.lines,
            "available": table.c.available + stmt.excluded.available,
        }
        self.session.execute(stmt.on_conflict_do_update(index_elements=["hour"], set_=added), rows)

    def stock_counts(self, start: datetime, end: datetime) -> list[CountFact]:
        """Each line of the store counts applied in [start, end): the on_hand the system held
        when it was counted, and what the associate found (oms.catalog.stock_counts)."""
        c, x = tables.stock_counts.c, tables.stock_count_lines.c
        rows = self.session.execute(
            select(c.applied_at, x.expected, x.counted)
            .join_from(tables.stock_count_lines, tables.stock_counts, c.id == x.count_id)
            .where(c.applied_at >= start, c.applied_at < end)
            .where(x.expected.is_not(None), x.counted.is_not(None))
            .order_by(c.applied_at, x.count_id, x.sku_id)
        )
        return [CountFact(r.applied_at, r.expected, r.counted) for r in rows]


def _fact(row: Any, trail: _Trail, zones: dict[str, str]) -> OrderFact:
    pickup = row.method == DeliveryMethod.PICKUP
    first = [s for s in trail.shipments if s.id not in trail.resourced]
    promised = [s.promised_at for s in first if s.promised_at is not None]
    live = [s for s in trail.shipments if s.status != ShipmentStatus.CANCELLED]
    if pickup:
        done = arrived = trail.ready_at
    else:
        done = _when_all(live, "shipped_at")
        arrived = _when_all(live, "delivered_at")
    return OrderFact(
        order_id=row.id,
        channel=row.channel,
        pickup=pickup,
        created_at=row.created_at,
        supplied_by_store=trail.store_supplied,
        returned_in_store=trail.returned_in_store,
        short_picked=trail.short_picked,
        wrong_item_returned=trail.wrong_item,
        promised_at=max(promised) if promised else None,
        done_at=done,
        arrived_at=arrived,
        zone=zones.get(row.pickup_node, "UTC") if pickup else "UTC",
    )


def _when_all(shipments: list[Any], column: str) -> datetime | None:
    """When the last of these shipments got there (None: one has not, or there is none)."""
    times: list[datetime | None] = [getattr(s, column) for s in shipments]
    known = [t for t in times if t is not None]
    if not times or len(known) < len(times):
        return None
    return max(known)
