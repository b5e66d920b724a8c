"""Orders: created from a reservation (its held units become the order's allocations) or from
lines directly (reserved and converted in one transaction); read with their history; cancelled
whole or by line, giving the held units back."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.db import ledger, legacy_events
from oms.domain.errors import ConflictError, ForbiddenError, ValidationError
from oms.domain.events import Aggregate
from oms.inventory.model import Sku
from oms.orders import idempotency
from oms.orders import reservations as res_svc
from oms.orders.idempotency import RequestKey, as_request_key
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Reservation,
    ReservationStatus,
    Shipment,
    ShipmentStatus,
)
from oms.orders.promises import order_shipment_promise
from oms.orders.queries import get_order, order_for, order_nodes, require_store_sees
from oms.orders.views import order_view
from oms.promise.choice import DeliveryService, choose, parse_option_id
from oms.promise.service import NetworkCache
from oms.stores import fulfilment, slots
from oms.stores.picks import cancel_picks, release_picks

__all__ = [
    "OrderRequest",
    "cancel",
    "collect",
    "create_order",
    "get_order",
    "order_for",
    "order_view",
]


@dataclass(frozen=True)
class OrderRequest:
    reservation_id: str | None
    reserve: res_svc.ReserveRequest | None
    channel: str = "web"  # "store": an associate's order for a customer (store-to-web)
    discount_minor: int = 0  # what the customer paid beyond the lines: refunds pro-rate it
    shipping_minor: int = 0
    # With a reservation: the service chosen at payment, by name or by promise option (not
    # both); None keeps the reservation's. (With lines, `reserve` carries the service.)
    service: str | None = None
    option_id: str | None = None

    def fingerprint(self) -> str:
        """The request's hash: a replayed idempotency key with another request is refused."""
        fields: list[Any] = [
            self.reservation_id,
            self.reserve.fingerprint() if self.reserve else None,
            self.channel,
            self.discount_minor,
            self.shipping_minor,
        ]
        if self.service is not None or self.option_id is not None:  # old hashes stay valid
            # An option id stands for its service (and store): the same choice, the same hash.
            chosen = parse_option_id(self.option_id) if self.option_id else None
            fields.append(["service", *(chosen or (self.service, self.option_id))])
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def create_order(
    session: Session, cache: NetworkCache, req: OrderRequest, *, key: str | RequestKey | None
) -> tuple[Order, bool]:
    """The order and whether it is new (False: the key's committed order, replayed)."""
    oid = "O-" + uuid.uuid4().hex[:12].upper()
    scoped = as_request_key(key)
    if scoped is not None:
        made = idempotency.claim(session, "orders", scoped, req.fingerprint(), oid)
        if made is not None:
            return get_order(legacy_events.uow_of(session), made), False
    if req.reservation_id is not None:
        reservation = res_svc.get_reservation(session, req.reservation_id)
    elif req.reserve is not None:
        reservation, _ = res_svc.reserve(session, cache, req.reserve, key=None)
    else:
        raise ValidationError(["reservation_id: give a reservation_id, or lines and a destination"])
    if reservation.status is not ReservationStatus.ACTIVE:
        raise ConflictError(f'reservation "{reservation.id}" is {reservation.status.value}')
    service = _service(req, reservation)
    res_svc.move_off_disabled(session, cache, reservation)
    key_used = scoped.key if scoped else None
    order = _convert(session, cache, reservation, oid, key_used, req.channel, service)
    order.discount_minor, order.shipping_minor = req.discount_minor, req.shipping_minor
    lines_total = sum(
        ln.price_minor * ln.qty
        for ln in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
    )
    if req.discount_minor > lines_total:
        raise ValidationError(
            [f"discount_minor: {req.discount_minor} exceeds the lines' {lines_total}"]
        )
    return order, True


def _service(req: OrderRequest, res: Reservation) -> DeliveryService:
    """The order's service: the reservation's, or the one this request chooses for it (which
    must go with the reservation's method and store)."""
    if req.service is None and req.option_id is None:
        return res.service
    choice = choose(
        service=req.service,
        option_id=req.option_id,
        method=res.method.value,
        pickup_node=res.pickup_node,
    )
    return choice.service


def _convert(
    session: Session,
    cache: NetworkCache,
    res: Reservation,
    oid: str,
    key: str | None,
    channel: str,
    service: DeliveryService,
) -> Order:
    order = Order(
        id=oid,
        idempotency_key=key,
        status=OrderStatus.CREATED,
        channel=channel,
        method=res.method,
        dest_lat=res.dest_lat,
        dest_lon=res.dest_lon,
        pickup_node=res.pickup_node,
        reservation_id=res.id,
        currency="EUR",
        slot_id=res.slot_id,
        service=service,
    )
    session.add(order)
    session.flush()  # no ORM relationships: parents are flushed before the rows that name them
    rows = res_svc.lines_of(session, res.id)
    by_sku: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_sku[row.sku_id].append(row)
    network, _ = cache.get(legacy_events.uow_of(session))
    dates = cache.dates(network).at(datetime.now(UTC))  # the answers checkout reads this minute
    shipments = {
        n: Shipment(
            id=f"{oid}-S{i + 1}",
            order_id=oid,
            node_id=n,
            status=ShipmentStatus.CREATED,
            promised_at=order_shipment_promise(dates, order, n),
        )
        for i, n in enumerate(sorted({r.node_id for r in rows}))
    }
    session.add_all(shipments.values())
    session.flush()
    for no, (sku, held) in enumerate(by_sku.items(), start=1):
        price = session.get(Sku, sku)
        line = OrderLine(
            id=f"{oid}-{no}",
            order_id=oid,
            line_no=no,
            sku_id=sku,
            qty=sum(r.qty for r in held),
            price_minor=price.price_minor if price else 0,
            status=OrderLineStatus.ALLOCATED,
        )
        session.add(line)
        session.flush()
        session.add_all(
            Allocation(
                order_line_id=line.id,
                node_id=r.node_id,
                qty=r.qty,
                shipment_id=shipments[r.node_id].id,
            )
            for r in held
        )
    res.status = ReservationStatus.CONVERTED
    session.flush()
    legacy_events.record(
        session,
        "OrderCreated",
        Aggregate.ORDER,
        oid,
        {"reservation": res.id, "channel": channel, "service": service.value},
    )
    order.status = transition(order.status, OrderStatus.ALLOCATED)
    legacy_events.record(
        session,
        "Sourced",
        Aggregate.ORDER,
        oid,
        {"allocations": [[r.sku_id, r.node_id, r.qty] for r in rows]},
    )
    promised = [s.promised_at for s in shipments.values() if s.promised_at is not None]
    if order.method is DeliveryMethod.PICKUP and promised:
        order.ready_at = max(promised)
    release_picks(session, order)
    return order


def cancel(session: Session, order_id: str, line_ids: list[str] | None) -> Order:
    """Cancel the whole order or the given lines; their held units go back to ATP."""
    order = get_order(legacy_events.uow_of(session), order_id)
    transition(order.status, OrderStatus.CANCELLED)  # refuses once goods have left (409)
    lines = {
        ln.id: ln for ln in session.scalars(select(OrderLine).where(OrderLine.order_id == order_id))
    }
    targets = line_ids or list(lines)
    unknown = [t for t in targets if t not in lines]
    if unknown:
        raise ValidationError([f'lines: "{t}" is not a line of order {order_id}' for t in unknown])
    live = [lines[t] for t in targets if lines[t].status is not OrderLineStatus.CANCELLED]
    rows = [
        (a.node_id, ln.sku_id, a.qty)
        for ln in live
        for a in session.scalars(select(Allocation).where(Allocation.order_line_id == ln.id))
    ]
    ledger.release(session, rows, ref=order_id)
    for ln in live:
        ln.status = OrderLineStatus.CANCELLED
    cancel_picks(session, order_id, [ln.id for ln in live])
    if all(ln.status is OrderLineStatus.CANCELLED for ln in lines.values()):
        order.status = OrderStatus.CANCELLED
        slots.free(session, order.slot_id)
        for s in session.scalars(select(Shipment).where(Shipment.order_id == order_id)):
            s.status = ShipmentStatus.CANCELLED
    legacy_events.record(
        session,
        "OrderCancelled" if order.status is OrderStatus.CANCELLED else "LinesCancelled",
        Aggregate.ORDER,
        order_id,
        {"lines": [ln.id for ln in live], "released": [list(r) for r in rows]},
    )
    return order


def collect(session: Session, order_id: str, store: str | None) -> Order:
    """The customer collects a ready pickup order at the store that holds it."""
    order = get_order(legacy_events.uow_of(session), order_id)
    require_store_sees(
        store, order_nodes(legacy_events.uow_of(session), order), f'order "{order_id}"'
    )
    if store is not None and order.pickup_node is not None and order.pickup_node != store:
        raise ForbiddenError(f'order "{order_id}" is collected at {order.pickup_node}')
    fulfilment.collect(session, order_id)
    return order
