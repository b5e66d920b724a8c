"""Pick lists: the work released to a store as orders are sourced there, and its confirmation.

A pick is one shipment's units at a store, line by line with the bin to find them in. Confirming
records what was picked; a short line corrects the shelf count and sends the missing units to the
next-best node (oms.stores.resource)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.db import legacy_events
from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.domain.events import Aggregate
from oms.inventory.model import Node, StockItem
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import Allocation, Order, OrderLine, Shipment, ShipmentStatus
from oms.promise.service import NetworkCache
from oms.stores import fulfilment, resource
from oms.stores.model import Pick, PickLine, PickStatus


@dataclass(frozen=True)
class PickLineView:
    line_id: str
    sku: str
    bin: str | None
    qty: int
    picked: int | None


@dataclass(frozen=True)
class PickView:
    id: str
    order_id: str
    shipment_id: str
    node: str
    status: str
    created_at: datetime
    lines: list[PickLineView]


def release_picks(session: Session, order: Order) -> list[Pick]:
    """A pick for each of the order's open shipments at a store that has none yet."""
    stores = set(session.scalars(select(Node.id).where(Node.kind == "store")))
    have = set(session.scalars(select(Pick.shipment_id).where(Pick.order_id == order.id)))
    picks = []
    for shipment in session.scalars(
        select(Shipment).where(Shipment.order_id == order.id).order_by(Shipment.id)
    ):
        fresh = shipment.status is ShipmentStatus.CREATED and shipment.id not in have
        if fresh and shipment.node_id in stores:
            picks.append(_release(session, order, shipment))
    return picks


def _release(session: Session, order: Order, shipment: Shipment) -> Pick:
    pick = Pick(
        id="PK-" + uuid.uuid4().hex[:10].upper(),
        order_id=order.id,
        shipment_id=shipment.id,
        node_id=shipment.node_id,
        status=PickStatus.OPEN,
    )
    session.add(pick)
    session.flush()
    rows = session.execute(
        select(Allocation.order_line_id, OrderLine.sku_id, Allocation.qty)
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .where(Allocation.shipment_id == shipment.id)
    ).all()
    for line_id, sku, qty in rows:
        inv = session.get(StockItem, (shipment.node_id, sku))
        session.add(
            PickLine(
                pick_id=pick.id,
                order_line_id=line_id,
                sku_id=sku,
                bin_location=inv.bin_location if inv else None,
                qty=qty,
            )
        )
    legacy_events.record(
        session,
        "PickReleased",
        Aggregate.ORDER,
        order.id,
        {"pick": pick.id, "node": shipment.node_id, "shipment": shipment.id},
    )
    return pick


def open_picks(session: Session, node_id: str) -> list[PickView]:
    """Open picks at a store, oldest order first, lines sorted by bin (the walk through the
    store), SKUs without a bin last."""
    picks = session.scalars(
        select(Pick)
        .where(Pick.node_id == node_id, Pick.status == PickStatus.OPEN)
        .order_by(Pick.created_at, Pick.id)
    )
    return [pick_view(session, p) for p in picks]


def pick_view(session: Session, pick: Pick) -> PickView:
    lines = session.scalars(select(PickLine).where(PickLine.pick_id == pick.id))
    ordered = sorted(
        lines, key=lambda ln: (ln.bin_location is None, ln.bin_location or "", ln.sku_id)
    )
    return PickView(
        pick.id,
        pick.order_id,
        pick.shipment_id,
        pick.node_id,
        pick.status.value,
        pick.created_at,
        [
            PickLineView(ln.order_line_id, ln.sku_id, ln.bin_location, ln.qty, ln.picked)
            for ln in ordered
        ],
    )


def get_pick(session: Session, pick_id: str) -> Pick:
    pick = session.get(Pick, pick_id)
    if pick is None:
        raise NotFoundError(f'pick "{pick_id}" does not exist')
    return pick


def confirm(
    session: Session,
    cache: NetworkCache,
    pick_id: str,
    picked: dict[str, int],
    now: datetime | None = None,
) -> Pick:
    """Record the units picked per line (every line of the pick, once). Short lines are
    corrected on the shelf and re-sourced; a complete pick readies its shipment."""
    now = now or datetime.now(UTC)
    pick = get_pick(session, pick_id)
    if pick.status is not PickStatus.OPEN:
        raise ConflictError(f'pick "{pick_id}" is {pick.status.value}, not open')
    lines = {
        ln.order_line_id: ln
        for ln in session.scalars(select(PickLine).where(PickLine.pick_id == pick_id))
    }
    _check_counts(pick_id, lines, picked)
    order = session.get(Order, pick.order_id)
    assert order is not None
    if order.status is OrderStatus.ALLOCATED:
        order.status = transition(order.status, OrderStatus.PICKING)
    shorts = []
    for line_id, line in lines.items():
        line.picked = picked[line_id]
        if line.picked < line.qty:
            shorts.append(line)
    pick.status, pick.confirmed_at = PickStatus.CONFIRMED, now
    legacy_events.record(
        session,
        "Picked",
        Aggregate.ORDER,
        order.id,
        {"pick": pick.id, "node": pick.node_id, "lines": {k: v for k, v in picked.items()}},
    )
    shipment = session.get(Shipment, pick.shipment_id)
    assert shipment is not None
    if shorts:
        resource.short_pick(session, cache, order, shipment, shorts, now)
    fulfilment.picked(session, order, shipment, now)
    return pick


def _check_counts(pick_id: str, lines: dict[str, PickLine], picked: dict[str, int]) -> None:
    problems = [f'lines: "{k}" is not a line of pick {pick_id}' for k in picked if k not in lines]
    problems += [
        f'lines: line "{k}" is missing (confirm every line)' for k in lines if k not in picked
    ]
    for k, n in picked.items():
        if k in lines and not 0 <= n <= lines[k].qty:
            problems.append(f'lines: line "{k}" picked {n}, must be within 0..{lines[k].qty}')
    if problems:
        raise ValidationError(problems)


def cancel_picks(session: Session, order_id: str, line_ids: list[str]) -> None:
    """Cancelled lines leave the open picks; a pick with no line left is cancelled."""
    for pick in session.scalars(
        select(Pick).where(Pick.order_id == order_id, Pick.status == PickStatus.OPEN)
    ):
        for line in session.scalars(select(PickLine).where(PickLine.pick_id == pick.id)):
            if line.order_line_id in line_ids:
                session.delete(line)
        session.flush()
        if (
            session.scalar(select(PickLine.order_line_id).where(PickLine.pick_id == pick.id))
            is None
        ):
            pick.status = PickStatus.CANCELLED
