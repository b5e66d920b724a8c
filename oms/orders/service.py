"""Orders: created from a reservation (its held units become the order's allocations) or from
lines directly (reserved and converted in one transaction); read with their history; cancelled
whole or by line, giving the held units back. What the stores do with an order (picks, its
pickup slot, collection) they do in their own handlers of these events."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from oms.domain.errors import ConflictError, ValidationError
from oms.domain.events import LinesCancelled, OrderCancelled, OrderCreated, Sourced
from oms.orders import idempotency
from oms.orders import reservations as res_svc
from oms.orders.idempotency import RequestKey, as_request_key
from oms.orders.involved import new_order_nodes
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Reservation,
    ReservationLine,
    ReservationStatus,
    Shipment,
    ShipmentStatus,
)
from oms.orders.ports import OrdersUnitOfWork
from oms.orders.promises import order_shipment_promise
from oms.orders.queries import get_order, order_for, require_own_store
from oms.orders.recipients import RECIPIENT_FIELDS, RecipientForm, resolve
from oms.orders.views import OrderView, order_view
from oms.promise.choice import DeliveryService, choose, parse_option_id
from oms.promise.option_dates import MinuteDates
from oms.promise.service import NetworkCache

__all__ = [
    "OrderForm",
    "OrderRequest",
    "cancel",
    "create_order",
    "get_order",
    "order_for",
    "order_view",
    "place_order",
    "read_order",
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
    # With a reservation: who, beyond what the reservation says.
    who: RecipientForm = field(default_factory=RecipientForm)

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
        if self.who.given():
            fields.append(self.who.fingerprint())
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


@dataclass(frozen=True, kw_only=True)
class OrderForm:
    """An order as the API's caller states it: from a reservation, or from lines and a
    destination (``lines`` as (sku, qty)); who asks decides the rest (``create_order``)."""

    reservation_id: str | None = None
    lines: list[tuple[str, int]] | None = None
    destination: tuple[float, float] | None = None
    method: str | None = None
    service: str | None = None
    option_id: str | None = None
    pickup_node: str | None = None
    channel: str = "web"
    slot_id: str | None = None
    discount_minor: int = 0
    shipping_minor: int = 0
    who: RecipientForm = field(default_factory=RecipientForm)


def create_order(
    uow: OrdersUnitOfWork,
    cache: NetworkCache,
    form: OrderForm,
    *,
    key: str | RequestKey | None,
    store: str | None = None,
) -> tuple[OrderView, bool]:
    """Place the order and commit: its view, and whether it is new (False: the key's committed
    order, replayed). ``store``: the caller's store, when a store key orders."""
    order, created = place_order(uow, cache, order_request(form, store), key=key)
    view = order_view(uow, order)
    uow.commit()
    return view, created


def order_request(form: OrderForm, store: str | None) -> OrderRequest:
    """A store key orders for a customer in its store (store-to-web): channel "store", and a
    pickup at its own store only."""
    channel = "store" if store is not None else form.channel
    if form.pickup_node is not None:
        require_own_store(store, form.pickup_node)
    if form.reservation_id is not None or form.lines is None:
        return OrderRequest(
            form.reservation_id,
            None,
            channel,
            form.discount_minor,
            form.shipping_minor,
            service=form.service,
            option_id=form.option_id,
            who=form.who,
        )
    reserve = res_svc.reserve_request(
        form.lines,
        form.destination,
        method=form.method,
        pickup_node=form.pickup_node,
        service=form.service,
        option_id=form.option_id,
        ttl_seconds=900,
        slot_id=form.slot_id,
        who=form.who,
    )
    if reserve.pickup_node is not None:
        require_own_store(store, reserve.pickup_node)  # a pickup option names its store
    return OrderRequest(None, reserve, channel, form.discount_minor, form.shipping_minor)


def place_order(
    uow: OrdersUnitOfWork,
    cache: NetworkCache,
    req: OrderRequest,
    *,
    key: str | RequestKey | None = None,
) -> tuple[Order, bool]:
    """The order and whether it is new (False: the key's committed order, replayed), in the
    caller's transaction (not committed: an exchange places one inside its return's)."""
    oid = "O-" + uuid.uuid4().hex[:12].upper()
    scoped = as_request_key(key)
    if scoped is not None:
        made = idempotency.claim(uow, "orders", scoped, req.fingerprint(), oid)
        if made is not None:
            return get_order(uow, made), False
    reservation = _reservation_of(uow, cache, req)
    order = _new_order(oid, scoped.key if scoped else None, req, reservation)
    _recipient(uow, req, reservation, order)
    res_svc.move_off_disabled(uow, cache, reservation)
    lines = _convert(uow, cache, reservation, order)
    lines_total = sum(ln.price_minor * ln.qty for ln in lines)
    if req.discount_minor > lines_total:
        raise ValidationError(
            [f"discount_minor: {req.discount_minor} exceeds the lines' {lines_total}"]
        )
    return order, True


def _new_order(oid: str, key: str | None, req: OrderRequest, res: Reservation) -> Order:
    """The order as the reservation and the request describe it (written by ``_convert``)."""
    return Order(
        id=oid,
        idempotency_key=key,
        status=OrderStatus.CREATED,
        channel=req.channel,
        method=res.method,
        dest_lat=res.dest_lat,
        dest_lon=res.dest_lon,
        pickup_node=res.pickup_node,
        reservation_id=res.id,
        currency="EUR",
        slot_id=res.slot_id,
        service=_service(req, res),
        discount_minor=req.discount_minor,
        shipping_minor=req.shipping_minor,
    )


def _recipient(uow: OrdersUnitOfWork, req: OrderRequest, res: Reservation, order: Order) -> None:
    """Who and where, as the reservation says, with what the order request adds (checkout
    often learns the e-mail after it reserved)."""
    for name in RECIPIENT_FIELDS:
        setattr(order, name, getattr(res, name))
    if req.reservation_id is None or not req.who.given():
        return
    given, _ = resolve(uow.customer_contacts, req.who, None, needs_destination=False)
    for name, value in vars(given.contact).items():
        if value is not None:
            setattr(order, "customer_name" if name == "name" else name, value)
    if given.address is not None:
        order.address = given.address


def _reservation_of(uow: OrdersUnitOfWork, cache: NetworkCache, req: OrderRequest) -> Reservation:
    """The active reservation the order converts: the one named, or one made now."""
    if req.reservation_id is not None:
        reservation = res_svc.get_reservation(uow, req.reservation_id)
    elif req.reserve is not None:
        reservation = res_svc.hold(uow, cache, req.reserve, key=None).reservation
    else:
        raise ValidationError(["reservation_id: give a reservation_id, or lines and a destination"])
    if reservation.status is not ReservationStatus.ACTIVE:
        raise ConflictError(f'reservation "{reservation.id}" is {reservation.status.value}')
    return reservation


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
    uow: OrdersUnitOfWork, cache: NetworkCache, res: Reservation, order: Order
) -> list[OrderLine]:
    """The reservation's held units become the order's: a shipment per node, a line per SKU,
    an allocation per held row. Parents are written before the rows that name them (no ORM
    relationships to order the inserts)."""
    uow.orders.add_now(order)
    held = res_svc.lines_of(uow, res.id)
    network, _ = cache.get(uow)
    dates = cache.dates(network).at(datetime.now(UTC))  # the answers checkout read this minute
    shipments = _shipments(dates, order, held)
    uow.shipments.add_all_now(list(shipments.values()))
    by_sku: dict[str, list[ReservationLine]] = defaultdict(list)
    for row in held:
        by_sku[row.sku_id].append(row)
    lines = [_line(uow, order, no, sku, rows) for no, (sku, rows) in enumerate(by_sku.items(), 1)]
    uow.order_lines.add_all_now(lines)
    for line in lines:
        for row in by_sku[line.sku_id]:
            uow.allocations.add(_allocation(line, row, shipments[row.node_id]))
    for node in new_order_nodes(order, shipments):  # what order search reads
        uow.order_nodes.add(node)
    res.status = ReservationStatus.CONVERTED
    _sourced(uow, order, res, held, shipments.values())
    return lines


def _shipments(
    dates: MinuteDates, order: Order, held: list[ReservationLine]
) -> dict[str, Shipment]:
    """One shipment per node holding units, with its promise (the order's service)."""
    return {
        n: Shipment(
            id=f"{order.id}-S{i + 1}",
            order_id=order.id,
            node_id=n,
            status=ShipmentStatus.CREATED,
            promised_at=order_shipment_promise(dates, order, n),
        )
        for i, n in enumerate(sorted({r.node_id for r in held}))
    }


def _line(
    uow: OrdersUnitOfWork, order: Order, no: int, sku: str, held: list[ReservationLine]
) -> OrderLine:
    """One line per SKU, at the catalog's price."""
    price = uow.skus.find(sku)
    return OrderLine(
        id=f"{order.id}-{no}",
        order_id=order.id,
        line_no=no,
        sku_id=sku,
        qty=sum(r.qty for r in held),
        price_minor=price.price_minor if price else 0,
        status=OrderLineStatus.ALLOCATED,
    )


def _allocation(line: OrderLine, row: ReservationLine, shipment: Shipment) -> Allocation:
    return Allocation(
        order_line_id=line.id, node_id=row.node_id, qty=row.qty, shipment_id=shipment.id
    )


def _sourced(
    uow: OrdersUnitOfWork,
    order: Order,
    res: Reservation,
    held: list[ReservationLine],
    shipments: Iterable[Shipment],
) -> None:
    """The order is created and allocated; a pickup order is promised ready when its last
    shipment is. (Sourced last: the stores release their picks on it.)"""
    uow.emit(
        OrderCreated(
            order_id=order.id,
            reservation=res.id,
            channel=order.channel,
            service=order.service.value,
        )
    )
    order.status = transition(order.status, OrderStatus.ALLOCATED)
    promised = [s.promised_at for s in shipments if s.promised_at is not None]
    if order.method is DeliveryMethod.PICKUP and promised:
        order.ready_at = max(promised)
    allocations = [[r.sku_id, r.node_id, r.qty] for r in held]
    uow.emit(Sourced(order_id=order.id, allocations=allocations))


def read_order(uow: OrdersUnitOfWork, order_id: str, store: str | None) -> OrderView:
    """The order's view, if the caller may see it (a store key: an order involving it)."""
    return order_view(uow, order_for(uow, order_id, store))


def cancel(uow: OrdersUnitOfWork, order_id: str, line_ids: list[str] | None) -> OrderView:
    """Cancel the whole order or the given lines; their held units go back to ATP."""
    order = get_order(uow, order_id)
    transition(order.status, OrderStatus.CANCELLED)  # refuses once goods have left (409)
    lines = {ln.id: ln for ln in uow.order_lines.list_by(order_id=order_id, order_by="line_no")}
    targets = line_ids or list(lines)
    unknown = [t for t in targets if t not in lines]
    if unknown:
        raise ValidationError([f'lines: "{t}" is not a line of order {order_id}' for t in unknown])
    live = [lines[t] for t in targets if lines[t].status is not OrderLineStatus.CANCELLED]
    rows = _held_rows(uow, live)
    uow.stock.release(rows, ref=order_id)
    for ln in live:
        ln.status = OrderLineStatus.CANCELLED
    if all(ln.status is OrderLineStatus.CANCELLED for ln in lines.values()):
        order.status = OrderStatus.CANCELLED
        for s in uow.shipments.list_by(order_id=order_id):
            s.status = ShipmentStatus.CANCELLED
    cancelled, released = [ln.id for ln in live], [list(r) for r in rows]
    if order.status is OrderStatus.CANCELLED:
        uow.emit(OrderCancelled(order_id=order_id, lines=cancelled, released=released))
    else:
        uow.emit(LinesCancelled(order_id=order_id, lines=cancelled, released=released))
    view = order_view(uow, order)
    uow.commit()
    return view


def _held_rows(uow: OrdersUnitOfWork, lines: list[OrderLine]) -> list[tuple[str, str, int]]:
    """The (node, sku, qty) the lines hold, line by line."""
    by_line: dict[str, list[Allocation]] = defaultdict(list)
    for a in uow.allocations.list_by(order_line_id=[ln.id for ln in lines], order_by="id"):
        by_line[a.order_line_id].append(a)
    return [(a.node_id, ln.sku_id, a.qty) for ln in lines for a in by_line[ln.id]]
