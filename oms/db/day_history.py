"""One past day's records, read for its export as a scenario (``oms scenario export``): the
nodes and stock rows as they are now, the stock and node events around the day, and the day's
sourcing decisions (oms.domain.day_history says what each fact is).

A handful of plain reads in one transaction; the export is an analyst's command, not a
request path, so it reads the events it needs rather than keeping a second history."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oms.db import tables
from oms.domain.day_history import (
    DayHistory,
    Decision,
    DecisionLine,
    NodeEntry,
    ShipmentEntry,
    StockEntry,
    StockLevels,
)
from oms.domain.events import Aggregate
from oms.orders.model import ReservationStatus
from oms.promise.choice import DeliveryService

NODE_EVENTS = ("NodeAdded", "NodeUpdated", "NodeEnabled", "NodeDisabled", "StoreCapacityChanged")
# The levels and row of a stock event's payload; every other key is a detail (qty, ref ...).
LEVEL_KEYS = ("node_id", "sku_id", "on_hand", "reserved", "safety_stock", "atp")
# A reservation that still holds its units, or whose units became an order's.
DECIDED = (ReservationStatus.ACTIVE, ReservationStatus.CONVERTED)


def read_day_history(session: Session, start: datetime, end: datetime) -> DayHistory:
    """The records of the day [start, end) (aware instants)."""
    reservations = _day_reservations(session, start, end)
    return DayHistory(
        nodes=_nodes(session),
        stock_now=_stock_now(session),
        stock_before=_stock_before(session, start),
        stock_after=_stock_after(session, start),
        node_events=_node_events(session, end),
        decisions=_decisions(session, start, end, [r for r in reservations if r.status in DECIDED]),
        day_reservations=frozenset(r.id for r in reservations),
        shipments=_shipments(session, start, end),
    )


def _nodes(session: Session) -> list[dict[str, Any]]:
    rows = session.execute(select(tables.nodes).order_by(tables.nodes.c.id)).mappings()
    return [dict(row) for row in rows]


def _stock_now(session: Session) -> dict[tuple[str, str], StockLevels]:
    c = tables.inventory.c
    rows = session.execute(select(c.node_id, c.sku_id, c.on_hand, c.reserved, c.safety_stock))
    return {(n, s): StockLevels(oh, r, ss) for n, s, oh, r, ss in rows}


def _stock_before(session: Session, start: datetime) -> dict[tuple[str, str], StockEntry]:
    """Each stock row's last event before ``start`` (its levels then)."""
    e = tables.events.c
    last = (
        select(func.max(e.id))
        .where(e.aggregate == Aggregate.INVENTORY, e.occurred_at < start)
        .group_by(e.aggregate_id)
    )
    stmt = select(e.occurred_at, e.type, e.payload).where(e.id.in_(last.scalar_subquery()))
    entries = (_stock_entry(*row) for row in session.execute(stmt))
    return {(x.node, x.sku): x for x in entries}


def _stock_after(session: Session, start: datetime) -> list[StockEntry]:
    e = tables.events.c
    stmt = (
        select(e.occurred_at, e.type, e.payload)
        .where(e.aggregate == Aggregate.INVENTORY, e.occurred_at >= start)
        .order_by(e.id)
    )
    return [_stock_entry(*row) for row in session.execute(stmt)]


def _stock_entry(at: datetime, type: str, payload: dict[str, Any]) -> StockEntry:
    levels = StockLevels(
        int(payload["on_hand"]), int(payload["reserved"]), int(payload["safety_stock"])
    )
    details = {k: v for k, v in payload.items() if k not in LEVEL_KEYS}
    return StockEntry(at, payload["node_id"], payload["sku_id"], type, levels, details)


def _node_events(session: Session, end: datetime) -> list[NodeEntry]:
    e = tables.events.c
    stmt = (
        select(e.occurred_at, e.aggregate_id, e.type, e.payload)
        .where(e.aggregate == Aggregate.NODE, e.type.in_(NODE_EVENTS), e.occurred_at < end)
        .order_by(e.id)
    )
    return [
        NodeEntry(at, node, kind, dict(payload or {}))
        for at, node, kind, payload in session.execute(stmt)
    ]


def _shipments(session: Session, start: datetime, end: datetime) -> list[ShipmentEntry]:
    c = tables.shipments.c
    stmt = (
        select(c.created_at, c.node_id, c.order_id)
        .where(c.created_at >= start, c.created_at < end)
        .order_by(c.created_at, c.id)
    )
    return [ShipmentEntry(at, node, oid) for at, node, oid in session.execute(stmt)]


def _day_reservations(session: Session, start: datetime, end: datetime) -> list[Any]:
    r = tables.reservations.c
    stmt = (
        select(r.id, r.status, r.created_at, r.pickup_node, r.dest_lat, r.dest_lon, r.service)
        .where(r.created_at >= start, r.created_at < end)
        .order_by(r.created_at, r.id)
    )
    return list(session.execute(stmt))


def _decisions(
    session: Session, start: datetime, end: datetime, reservations: list[Any]
) -> list[Decision]:
    orders = _orders_of(session, start, end)
    held = _held_lines(session, start, end)
    where = _node_places(session)
    out = []
    for r in reservations:
        order = orders.get(r.id)
        lines = order[1] if order else held.get(r.id, ())
        lat, lon = where[r.pickup_node] if r.pickup_node else (r.dest_lat, r.dest_lon)
        out.append(
            Decision(
                at=r.created_at,
                order_id=order[0] if order else r.id,
                reservation_id=r.id,
                pickup_node=r.pickup_node,
                lat=float(lat),
                lon=float(lon),
                express=(order[2] if order else r.service) == DeliveryService.EXPRESS,
                lines=tuple(lines),
            )
        )
    return out


def _orders_of(
    session: Session, start: datetime, end: datetime
) -> dict[str, tuple[str, list[DecisionLine], DeliveryService]]:
    """The order each reservation of the day became, with its lines (one per SKU) and the
    service chosen at payment."""
    o, ln, r = tables.orders.c, tables.order_lines.c, tables.reservations.c
    stmt = (
        select(o.reservation_id, o.id, o.service, ln.id, ln.sku_id, ln.qty)
        .join(tables.order_lines, ln.order_id == o.id)
        .join(tables.reservations, r.id == o.reservation_id)
        .where(r.created_at >= start, r.created_at < end)
        .order_by(o.reservation_id, ln.line_no)
    )
    found: dict[str, tuple[str, list[DecisionLine], DeliveryService]] = {}
    for rid, oid, service, line_id, sku, qty in session.execute(stmt):
        found.setdefault(rid, (oid, [], service))[1].append(DecisionLine(line_id, sku, int(qty)))
    return found


def _held_lines(session: Session, start: datetime, end: datetime) -> dict[str, list[DecisionLine]]:
    """The rows a reservation of the day holds, as lines: one per SKU in the order held (as
    ``orders.service._convert`` would make them)."""
    c, r = tables.reservation_lines.c, tables.reservations.c
    stmt = (
        select(c.reservation_id, c.sku_id, c.qty)
        .join(tables.reservations, r.id == c.reservation_id)
        .where(r.created_at >= start, r.created_at < end)
        .order_by(c.reservation_id, c.line_no)
    )
    per: dict[str, dict[str, int]] = defaultdict(dict)
    for rid, sku, qty in session.execute(stmt):
        per[rid][sku] = per[rid].get(sku, 0) + int(qty)
    return {
        rid: [DecisionLine(f"{rid}-{no}", s, q) for no, (s, q) in enumerate(skus.items(), 1)]
        for rid, skus in per.items()
    }


def _node_places(session: Session) -> dict[str, tuple[float, float]]:
    c = tables.nodes.c
    return {n: (lat, lon) for n, lat, lon in session.execute(select(c.id, c.lat, c.lon))}
