"""Reservations: the sourced plan held atomically, location by location, with an expiry.

Promise, sourcing decision and hold are one step: the plan is sourced on a fresh snapshot and its
exact (node, SKU) rows are held with the ledger's conditional updates. A lost race (another
checkout took the units between snapshot and hold) re-sources once against fresh stock; if the
stock still cannot cover the cart, nothing is held and every short SKU is listed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from oms import metrics
from oms.domain.errors import ConflictError, OmsError, ValidationError
from oms.domain.events import (
    ReservationExpired,
    ReservationReleased,
    ReservationResourced,
    Reserved,
)
from oms.domain.ports import committed
from oms.inventory.errors import UnknownNode
from oms.orders import idempotency
from oms.orders.idempotency import RequestKey, as_request_key
from oms.orders.model import DeliveryMethod, Reservation, ReservationLine, ReservationStatus
from oms.orders.ports import OrdersUnitOfWork
from oms.orders.recipients import Recipient, RecipientForm, resolve
from oms.orders.slot_booking import book_slot, free_slot
from oms.promise.choice import DeliveryService, choose, default_service, service_problems
from oms.promise.service import NetworkCache, check_skus, snapshot_cart
from oms.sourcing.network import Network
from oms.sourcing.online import OrderDecision

MAX_TTL_S = 7 * 24 * 3600
Rows = list[tuple[str, str, int]]  # (node, sku, qty) as held


@dataclass(frozen=True)
class ReserveRequest:
    lines: list[tuple[str, int]]
    lat: float | None
    lon: float | None
    method: DeliveryMethod
    pickup_node: str | None
    ttl_seconds: int
    slot_id: str | None = None  # a pickup slot to book at the pickup store
    service: DeliveryService | None = None  # None: the method's (standard, or click_and_collect)
    who: RecipientForm = field(default_factory=RecipientForm)  # as given
    recipient: Recipient | None = None  # as resolved (``hold``)

    @property
    def chosen_service(self) -> DeliveryService:
        return self.service or default_service(self.method)

    def fingerprint(self) -> str:
        fields: list[Any] = [
            self.lines,
            self.lat,
            self.lon,
            self.method,
            self.pickup_node,
            self.ttl_seconds,
        ]
        if self.slot_id is not None:  # unchanged hashes for requests without a slot
            fields.append(self.slot_id)
        if self.chosen_service is not default_service(self.method):  # nor its method's service
            fields.append(["service", self.chosen_service])
        if self.who.given():  # nor without who and where
            fields.append(self.who.fingerprint())
        body = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(body.encode()).hexdigest()


def reserve_request(
    lines: list[tuple[str, int]],
    destination: tuple[float, float] | None,
    *,
    method: str | None,
    pickup_node: str | None,
    service: str | None,
    option_id: str | None,
    ttl_seconds: int,
    slot_id: str | None,
    who: RecipientForm | None = None,
) -> ReserveRequest:
    """A request as the API states it: the service from `service` or a promise option's
    `option_id` (not both), the method and pickup store from them when not given
    (ValidationError naming each field in contradiction)."""
    choice = choose(service=service, option_id=option_id, method=method, pickup_node=pickup_node)
    return ReserveRequest(
        lines=lines,
        lat=destination[0] if destination else None,
        lon=destination[1] if destination else None,
        method=DeliveryMethod(choice.method),
        pickup_node=choice.pickup_node,
        ttl_seconds=ttl_seconds,
        slot_id=slot_id,
        service=choice.service,
        who=who or RecipientForm(),
    )


class StockShortfall(OmsError):
    """Insufficient stock for a cart, per SKU: what was asked and what could be had."""

    code = "insufficient_stock"

    def __init__(self, short: list[tuple[str, int, int]]) -> None:
        super().__init__(
            "insufficient stock: "
            + "; ".join(f'sku "{s}": requested {r}, available {a}' for s, r, a in short)
        )
        self.short = short

    def extra(self) -> dict[str, object]:
        return {
            "shortfalls": [{"sku": s, "requested": r, "available": a} for s, r, a in self.short]
        }


@dataclass(frozen=True, kw_only=True)
class ReservationView:
    """A reservation and its rows as (sku, node, qty)."""

    reservation: Reservation
    lines: list[tuple[str, str, int]]


@dataclass(frozen=True, kw_only=True)
class Held(ReservationView):
    """A reservation, and whether this request made it (False: its key's, replayed)."""

    created: bool


def reserve(
    uow: OrdersUnitOfWork,
    cache: NetworkCache,
    req: ReserveRequest,
    *,
    key: str | RequestKey | None,
    now: datetime | None = None,
) -> tuple[Reservation, bool]:
    """The reservation and whether it is new (False: the same key was seen with the same body)."""
    held = reserve_held(uow, cache, req, key=key, now=now)
    return held.reservation, held.created


def hold(
    uow: OrdersUnitOfWork,
    cache: NetworkCache,
    req: ReserveRequest,
    *,
    key: str | RequestKey | None,
    now: datetime | None = None,
) -> Held:
    """Reserve in the caller's transaction (an order placed from lines commits it)."""
    now = now or datetime.now(UTC)
    rid = str(uuid.uuid4())
    scoped = as_request_key(key)
    if scoped is not None:
        made = idempotency.claim(uow, "reservations", scoped, req.fingerprint(), rid)
        if made is not None:
            existing = get_reservation(uow, made, now)
            return Held(reservation=existing, lines=_shown(lines_of(uow, made)), created=False)
    asked = req.fingerprint()  # the request as sent, before its address is located
    req = _with_recipient(uow, req)
    _validate(uow, cache, req)
    if req.slot_id is not None:
        if req.method is not DeliveryMethod.PICKUP:
            raise ValidationError(["slot_id: only a pickup reservation books a pickup slot"])
        book_slot(uow.slots, req.slot_id, req.pickup_node)  # SlotFull (409) before any hold
    expires_at = now + timedelta(seconds=req.ttl_seconds)
    rows = _hold_plan(uow, cache, req, rid, expires_at)
    res = _new_reservation(req, rid, scoped.key if scoped else None, now, expires_at, asked)
    uow.reservations.insert(res)
    _insert_lines(uow, rid, rows)
    return Held(reservation=res, lines=[(s, n, q) for n, s, q in rows], created=True)


# `reserve`, with the rows held (no second read for the caller that shows them), committed.
reserve_held = committed(hold)


def _with_recipient(uow: OrdersUnitOfWork, req: ReserveRequest) -> ReserveRequest:
    """The request with who and where resolved (the destination located from the address
    when a ship request gives no lat/lon)."""
    if not req.who.given():
        return req
    given = (req.lat, req.lon) if req.lat is not None and req.lon is not None else None
    ship = req.method is DeliveryMethod.SHIP
    recipient, dest = resolve(uow.customer_contacts, req.who, given, needs_destination=ship)
    lat, lon = dest if dest is not None else (req.lat, req.lon)
    return replace(req, recipient=recipient, lat=lat, lon=lon)


def _new_reservation(
    req: ReserveRequest,
    rid: str,
    key: str | None,
    now: datetime,
    expires_at: datetime,
    asked: str,
) -> Reservation:
    res = Reservation(
        id=rid,
        idempotency_key=key,
        status=ReservationStatus.ACTIVE,
        method=req.method,
        pickup_node=req.pickup_node,
        dest_lat=req.lat,
        dest_lon=req.lon,
        expires_at=expires_at,
        created_at=now,
        request_hash=asked,
        slot_id=req.slot_id,
        service=req.chosen_service,
    )
    if req.recipient is not None:
        req.recipient.write_to(res)
    return res


def _validate(uow: OrdersUnitOfWork, cache: NetworkCache, req: ReserveRequest) -> None:
    problems = service_problems(req.method, req.chosen_service)
    if not 1 <= req.ttl_seconds <= MAX_TTL_S:
        problems.append(f"ttl_seconds: must be within 1..{MAX_TTL_S}")
    if req.method is DeliveryMethod.PICKUP and not req.pickup_node:
        problems.append("pickup_node: a pickup reservation needs a pickup_node")
    if req.method is DeliveryMethod.SHIP and (req.lat is None or req.lon is None):
        problems.append("destination: a ship reservation needs a destination or an address")
    if problems:
        raise ValidationError(problems)
    check_skus(uow, [s for s, _ in req.lines], cache)
    if req.pickup_node is not None:
        network, _ = cache.get(uow)
        if req.pickup_node not in network.index:
            raise UnknownNode(req.pickup_node)
        if not network.node(req.pickup_node).can_pickup:
            raise ValidationError([f'pickup_node: "{req.pickup_node}" does not take pickups'])
        require_open_store(network, req.pickup_node)


def _hold_plan(
    uow: OrdersUnitOfWork,
    cache: NetworkCache,
    req: ReserveRequest,
    ref: str,
    expires_at: datetime,
) -> Rows:
    """Source and hold the plan, with the reservation's event.

    The first plan is made on the kept stock (the promise's cache: exact for this process's
    commits, at most its time to live behind other processes'), which spares a read per
    checkout. If that plan falls short or its hold is refused, the plan is made again on stock
    read now, and once more if another checkout won that race too. Holds are guarded, so a
    plan made on old numbers can be refused but never oversell."""
    short: list[tuple[str, int, int]] = []
    for fresh in (False, True, True):
        decision, skus = _source(uow, cache, req, fresh=fresh)
        short = [
            (skus[j], req.lines[j][1], int(req.lines[j][1] - decision.unfilled[j]))
            for j in range(len(req.lines))
            if decision.unfilled[j] > 0
        ]
        if short and fresh:
            raise StockShortfall(short)
        if short:
            continue
        network, _ = cache.get(uow)
        rows = [
            (network.nodes[int(n)].id, skus[int(j)], int(q))
            for j, n, q in zip(decision.line, decision.node, decision.qty, strict=True)
        ]
        if not uow.stock.hold(rows, ref=ref):
            held = [list(r) for r in rows]
            uow.emit(Reserved(reservation_id=ref, rows=held, expires_at=expires_at.isoformat()))
            return rows
        metrics.RESERVATION_STOCK_RACES.inc()  # another checkout took the units: re-source
    raise StockShortfall(short_after_race(uow, req))


def move_off_disabled(uow: OrdersUnitOfWork, cache: NetworkCache, res: Reservation) -> None:
    """Before a reservation becomes an order: units held at a node disabled since (an outage)
    are sourced again from the nodes still serving, so no order is allocated at a disabled
    node. A pickup at a disabled store is refused naming it (the customer chose that store)."""
    network, _ = cache.get(uow)
    if res.pickup_node is not None:
        require_open_store(network, res.pickup_node)
    rows = lines_of(uow, res.id)
    off = sorted({x.node_id for x in rows if not _serving(network, x.node_id)})
    if not off:
        return
    uow.stock.release([(x.node_id, x.sku_id, x.qty) for x in rows], ref=res.id)
    wanted: dict[str, int] = {}
    for x in rows:
        wanted[x.sku_id] = wanted.get(x.sku_id, 0) + x.qty
    req = ReserveRequest(
        list(wanted.items()),
        res.dest_lat,
        res.dest_lon,
        res.method,
        res.pickup_node,
        900,
        service=res.service,
    )
    held = _hold_plan(uow, cache, req, res.id, res.expires_at)  # StockShortfall: 409
    uow.reservation_lines.delete_of(res.id)
    _insert_lines(uow, res.id, held)
    uow.emit(ReservationResourced(reservation_id=res.id, disabled=off))


def require_open_store(network: Network, store: str) -> None:
    """A pickup store in an outage takes no pickup (the customer chose it: say so)."""
    if not network.node(store).enabled:
        raise ConflictError(f'pickup node "{store}" is disabled; choose another store')


def _serving(network: Network, node_id: str) -> bool:
    """The node is in the network and enabled."""
    return node_id in network.index and network.node(node_id).enabled


def _insert_lines(uow: OrdersUnitOfWork, rid: str, rows: Rows) -> None:
    """A reservation's held rows, (node, sku, qty), as its lines in one statement."""
    uow.reservation_lines.insert_many(
        [
            ReservationLine(reservation_id=rid, line_no=i, sku_id=s, node_id=n, qty=q)
            for i, (n, s, q) in enumerate(rows)
        ]
    )


def short_after_race(uow: OrdersUnitOfWork, req: ReserveRequest) -> list[tuple[str, int, int]]:
    avail = uow.stock.available([s for s, _ in req.lines])
    total: dict[str, int] = {}
    for (_, sku), q in avail.items():
        total[sku] = total.get(sku, 0) + q
    return [(s, q, min(q, total.get(s, 0))) for s, q in req.lines]


def _source(
    uow: OrdersUnitOfWork, cache: NetworkCache, req: ReserveRequest, *, fresh: bool
) -> tuple[OrderDecision, list[str]]:
    """The cheapest plan for the request, on stock read now (``fresh``) or kept: shipped, or
    at its pickup store."""
    lat, lon, store = req.lat, req.lon, -1
    if req.method is DeliveryMethod.PICKUP:
        assert req.pickup_node is not None
        network, _ = cache.get(uow)
        store = network.index[req.pickup_node]
        lat, lon = network.nodes[store].lat, network.nodes[store].lon
    assert lat is not None and lon is not None
    snap = snapshot_cart(uow, cache, req.lines, lat, lon, cached_stock=not fresh)
    return snap.decide(store), snap.cart.skus


def get_reservation(uow: OrdersUnitOfWork, rid: str, now: datetime | None = None) -> Reservation:
    """The reservation, expired first if its time is up (lazy expiry on read).

    The row is locked for the rest of the transaction (PostgreSQL; SQLite's writers are
    serialised already): whoever ends or converts it next sees what this one decided, so two
    checkouts can never both turn one reservation's units into an order, or give them back
    twice."""
    res = uow.reservations.get_for_update(rid)
    if res.status is ReservationStatus.ACTIVE and res.expires_at <= (now or datetime.now(UTC)):
        _end(uow, res, ReservationStatus.EXPIRED)
    return res


def show_reservation(uow: OrdersUnitOfWork, rid: str) -> ReservationView:
    """The reservation and its rows; committed, since a lazy expiry gives units back."""
    res = get_reservation(uow, rid)
    view = ReservationView(reservation=res, lines=_shown(lines_of(uow, rid)))
    uow.commit()
    return view


def release_reservation(uow: OrdersUnitOfWork, rid: str) -> ReservationView:
    """Give the reservation's units (and slot place) back before it expires."""
    res = get_reservation(uow, rid)
    if res.status is not ReservationStatus.ACTIVE:
        raise ConflictError(f'reservation "{rid}" is {res.status.value}, not active')
    lines = _end(uow, res, ReservationStatus.RELEASED)
    uow.commit()
    return ReservationView(reservation=res, lines=_shown(lines))


def expire_due(uow: OrdersUnitOfWork, now: datetime | None = None, limit: int = 500) -> int:
    """The sweeper's step: expire active reservations whose time is up; returns how many.
    The caller commits (the sweep expires pickups in the same transaction)."""
    # Locked as read, skipping those another transaction holds (a checkout converting one,
    # or the sweeper of another worker): the status is checked again once the lock is had.
    due = uow.reservations.due(now or datetime.now(UTC), limit)
    for res in due:
        _end(uow, res, ReservationStatus.EXPIRED)
    return len(due)


def lines_of(uow: OrdersUnitOfWork, rid: str) -> list[ReservationLine]:
    return uow.reservation_lines.list_by(reservation_id=rid, order_by="line_no")


def _shown(lines: list[ReservationLine]) -> list[tuple[str, str, int]]:
    return [(x.sku_id, x.node_id, x.qty) for x in lines]


def _end(
    uow: OrdersUnitOfWork, res: Reservation, status: ReservationStatus
) -> list[ReservationLine]:
    """Units and slot place given back; the lines that held them."""
    lines = lines_of(uow, res.id)
    rows = [(x.node_id, x.sku_id, x.qty) for x in lines]
    uow.stock.release(rows, ref=res.id)
    free_slot(uow.slots, res.slot_id)
    res.status = status
    given_back = [list(r) for r in rows]
    if status is ReservationStatus.EXPIRED:
        uow.emit(ReservationExpired(reservation_id=res.id, rows=given_back))
    else:
        uow.emit(ReservationReleased(reservation_id=res.id, rows=given_back))
    return lines
