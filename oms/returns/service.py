"""Returns against the database: the application service around the pure rules of this package.

It loads an order's facts, the nodes and the stock picture, lets the rules decide, and writes the
RMA, the restock (through the ledger, so ATP moves at once with its event), the refunds and the
order's history in the caller's transaction."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oms.db import ledger, legacy_events
from oms.domain.errors import ForbiddenError, NotFoundError, ValidationError
from oms.domain.events import Aggregate
from oms.inventory.model import Node, Sku
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Shipment,
    ShipmentStatus,
)
from oms.orders.model import Refund as RefundRow
from oms.orders.queries import get_order, order_nodes, require_store_sees
from oms.orders.reservations import ReserveRequest
from oms.promise.service import NetworkCache
from oms.returns import (
    COUNTS_AS_RETURNED,
    Condition,
    OrderFacts,
    OrderLineFacts,
    OrderMoney,
    PaidLine,
    ReceivedLine,
    Refund,
    ReplacementLine,
    ReturnedLine,
    ReturnNode,
    ReturnPolicy,
    ReturnRequest,
    ReturnStatus,
    RoutedLine,
    StockNeed,
    check_return,
    decide_receipt,
    exchange_for,
    refund_for,
    restock_rows,
    route_return,
    status_after_approval,
    transition,
)
from oms.returns.policy import Channel, Method, Reason
from oms.returns.records import ReturnAuthorization, ReturnLine

POLICY = ReturnPolicy()
DEMAND_WINDOW = timedelta(days=28)  # expected demand: the last four weeks' units, per week
DONE = (ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED, ReturnStatus.CLOSED)
SHIPPING_REFUND = "return: original shipping"


def get_return(session: Session, rid: str) -> ReturnAuthorization:
    rma = session.get(ReturnAuthorization, rid)
    if rma is None:
        raise NotFoundError(f'return "{rid}" does not exist')
    return rma


def return_for(session: Session, rid: str, store: str | None) -> ReturnAuthorization:
    """The return, if the caller may see it: a store key sees the returns sent to its node or
    of orders that involve it."""
    rma = get_return(session, rid)
    if store is not None and rma.destination != store:
        order = get_order(legacy_events.uow_of(session), rma.order_id)
        require_store_sees(
            store, order_nodes(legacy_events.uow_of(session), order), f'return "{rid}"'
        )
    return rma


def require_own_counter(store: str | None, method: str, counter: str | None) -> None:
    """A store key opens in-store returns at its own counter only."""
    if method != "in_store" or counter != store:
        raise ForbiddenError(f"a store key opens in-store returns at {store} only")


def create_return(
    session: Session,
    order_id: str,
    req: ReturnRequest,
    exchange: list[tuple[str, int]] | None = None,
    now: datetime | None = None,
) -> ReturnAuthorization:
    now = now or datetime.now(UTC)
    order = get_order(legacy_events.uow_of(session), order_id)
    nodes = return_nodes(session)
    approved = check_return(req, order_facts(session, order), POLICY, now, nodes)
    _check_exchange(session, exchange)
    if approved.method is Method.IN_STORE:
        assert approved.store is not None
        destination = approved.store
    else:
        lat, lon = customer_location(session, order)
        routed = [RoutedLine(a.sku, a.qty, a.unit_price_minor) for a in approved.lines]
        needs = stock_needs(session, [a.sku for a in approved.lines], now)
        destination = route_return(routed, lat, lon, list(nodes.values()), needs, POLICY).node_id
    rma = ReturnAuthorization(
        id="RMA-" + uuid.uuid4().hex[:10].upper(),
        order_id=order.id,
        status=status_after_approval(approved.method).value,
        method=approved.method.value,
        reason=approved.reason.value,
        destination=destination,
        purchase_channel=approved.purchase_channel.value,
        cross_channel=approved.cross_channel,
        exchange=[list(x) for x in exchange] if exchange else None,
    )
    session.add(rma)
    session.flush()
    session.add_all(
        ReturnLine(return_id=rma.id, order_line_id=a.line_id, sku_id=a.sku, qty=a.qty)
        for a in approved.lines
    )
    _history(session, rma, "ReturnRequested", {"destination": destination, "units": approved.units})
    return rma


def receive(
    session: Session,
    cache: NetworkCache,
    rid: str,
    conditions: dict[str, str],
    now: datetime | None = None,
) -> ReturnAuthorization:
    """Each line's condition decides its disposition; restocked units are on sale at once; the
    refund (or the exchange order) follows."""
    now = now or datetime.now(UTC)
    rma = get_return(session, rid)
    rma.status = transition(ReturnStatus(rma.status), ReturnStatus.RECEIVED).value
    lines = _lines(session, rid)
    received = _received(session, lines, conditions)
    nodes = return_nodes(session)
    needs = stock_needs(session, [ln.sku_id for ln in lines], now)
    decisions = decide_receipt(
        received, nodes[rma.destination], list(nodes.values()), needs, POLICY
    )
    for line, d in zip(lines, decisions, strict=True):
        line.condition = conditions[line.order_line_id]
        line.disposition, line.target_node = d.disposition.value, d.node_id
    rma.received_at = now
    _history(
        session,
        rma,
        "ReturnReceived",
        {"lines": {d.line_id: d.disposition.value for d in decisions}},
    )
    restock = restock_rows(decisions)
    for node, sku, qty in restock:
        ledger.receive(session, node, sku, qty, ref=rma.id)
    if restock:
        rma.restocked_at = now
        _history(session, rma, "Restocked", {"rows": [list(r) for r in restock]})
    _settle(session, cache, rma, lines, now)
    return rma


def _received(
    session: Session, lines: list[ReturnLine], conditions: dict[str, str]
) -> list[ReceivedLine]:
    ids = {ln.order_line_id for ln in lines}
    problems = [f'lines: "{k}" is not a line of this return' for k in conditions if k not in ids]
    problems += [
        f'lines: line "{k}" is missing (receive every line)' for k in ids if k not in conditions
    ]
    valid = ", ".join(c.value for c in Condition)
    problems += [
        f'lines: line "{k}" condition must be one of {valid}, got {v!r}'
        for k, v in conditions.items()
        if k in ids and v not in {c.value for c in Condition}
    ]
    if problems:
        raise ValidationError(problems)
    price = {ln.id: ln.price_minor for ln in _order_lines(session, lines)}
    return [
        ReceivedLine(
            ln.order_line_id,
            ln.sku_id,
            ln.qty,
            Condition(conditions[ln.order_line_id]),
            price[ln.order_line_id],
        )
        for ln in lines
    ]


def _settle(
    session: Session,
    cache: NetworkCache,
    rma: ReturnAuthorization,
    lines: list[ReturnLine],
    now: datetime,
) -> None:
    order = get_order(legacy_events.uow_of(session), rma.order_id)
    refund = _refund(session, order, rma, lines)
    for lr in refund.lines:
        next(ln for ln in lines if ln.order_line_id == lr.line_id).refund_minor = lr.amount_minor
    if rma.exchange:
        _exchange(session, cache, order, rma, refund)
    else:
        items = refund.items_minor - refund.restocking_fee_minor
        _record_refund(session, order, rma, items, "return")
        _record_refund(session, order, rma, refund.shipping_minor, SHIPPING_REFUND)
        rma.status = transition(ReturnStatus.RECEIVED, ReturnStatus.REFUNDED).value
        _history(
            session,
            rma,
            "Refunded",
            {"amount_minor": refund.total_minor, "shipping_minor": refund.shipping_minor},
        )
    rma.refunded_at = now
    _mark_returned_lines(session, order)


def _refund(
    session: Session, order: Order, rma: ReturnAuthorization, lines: list[ReturnLine]
) -> Refund:
    order_lines = list(session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)))
    money = OrderMoney(
        order.id,
        tuple(PaidLine(ln.id, ln.qty, ln.price_minor) for ln in order_lines),
        order.discount_minor,
        order.shipping_minor,
    )
    before = units_on_returns(session, order.id, DONE, excluding=rma.id)
    shipping_before = (
        session.scalar(
            select(func.count()).where(
                RefundRow.order_id == order.id, RefundRow.reason == SHIPPING_REFUND
            )
        )
        != 0
    )
    returned = [ReturnedLine(ln.order_line_id, ln.qty) for ln in lines]
    return refund_for(
        money,
        returned,
        POLICY,
        Reason(rma.reason),
        refunded_before=before,
        shipping_refunded_before=shipping_before,
    )


def _exchange(
    session: Session, cache: NetworkCache, order: Order, rma: ReturnAuthorization, refund: Refund
) -> None:
    """The replacement is a new order, sourced by the engine like any other (shipped to the
    same address or held at the same store); the credit pays for it, any rest is refunded."""
    from oms.orders.service import OrderRequest, create_order  # orders do not import returns

    wanted = [(str(s), int(q)) for s, q in rma.exchange or []]
    prices = {
        s.id: s.price_minor
        for s in session.scalars(select(Sku).where(Sku.id.in_([s for s, _ in wanted])))
    }
    ex = exchange_for(refund, [ReplacementLine(s, q, prices[s]) for s, q in wanted])
    req = ReserveRequest(
        wanted,
        order.dest_lat,
        order.dest_lon,
        order.method,
        order.pickup_node,
        900,
        service=order.service,  # the replacement travels as the customer chose for the order
    )
    new, _ = create_order(session, cache, OrderRequest(None, req, order.channel), key=None)
    rma.exchange_order_id = new.id
    rma.status = transition(ReturnStatus.RECEIVED, ReturnStatus.EXCHANGED).value
    if ex.refund_minor > 0:
        _record_refund(session, order, rma, ex.refund_minor, "exchange balance")
    _history(
        session,
        rma,
        "Exchanged",
        {
            "order": new.id,
            "credit_minor": ex.credit_minor,
            "replacement_minor": ex.replacement_minor,
            "balance_due_minor": ex.balance_due_minor,
        },
    )


def _record_refund(
    session: Session, order: Order, rma: ReturnAuthorization, amount: int, reason: str
) -> None:
    if amount > 0:
        session.add(
            RefundRow(
                id="RF-" + uuid.uuid4().hex[:10].upper(),
                order_id=order.id,
                amount_minor=amount,
                currency=order.currency,
                reason=reason,
                return_id=rma.id,
            )
        )


def _mark_returned_lines(session: Session, order: Order) -> None:
    done = units_on_returns(session, order.id, DONE)
    for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)):
        if done[line.id] >= line.qty:
            line.status = OrderLineStatus.RETURNED


def _check_exchange(session: Session, exchange: list[tuple[str, int]] | None) -> None:
    if not exchange:
        return
    known = set(session.scalars(select(Sku.id).where(Sku.id.in_([s for s, _ in exchange]))))
    problems = [
        f'exchange[{i}] (sku "{s}"): unknown SKU'
        for i, (s, _) in enumerate(exchange)
        if s not in known
    ]
    problems += [
        f'exchange[{i}] (sku "{s}"): qty must be >= 1' for i, (s, q) in enumerate(exchange) if q < 1
    ]
    if problems:
        raise ValidationError(problems)


def _lines(session: Session, rid: str) -> list[ReturnLine]:
    return list(
        session.scalars(
            select(ReturnLine).where(ReturnLine.return_id == rid).order_by(ReturnLine.order_line_id)
        )
    )


def _order_lines(session: Session, lines: list[ReturnLine]) -> list[OrderLine]:
    return list(
        session.scalars(
            select(OrderLine).where(OrderLine.id.in_([ln.order_line_id for ln in lines]))
        )
    )


def _history(session: Session, rma: ReturnAuthorization, event: str, data: dict[str, Any]) -> None:
    """On the order's history and the return's own, with the return's status."""
    payload = {"return": rma.id, "status": rma.status, **data}
    legacy_events.record(session, event, Aggregate.ORDER, rma.order_id, payload)
    legacy_events.record(session, event, Aggregate.RETURN, rma.id, payload)


# ---------------------------------------------------------------- facts for the rules


def order_facts(session: Session, order: Order) -> OrderFacts:
    """Delivered units per line (at the door, or collected), units on live RMAs, final sale."""
    counted = (
        (ShipmentStatus.COLLECTED,)
        if order.method is DeliveryMethod.PICKUP
        else (ShipmentStatus.DELIVERED, ShipmentStatus.COLLECTED)
    )
    delivered: dict[str, int] = defaultdict(int)
    when: dict[str, datetime] = {}
    for line_id, qty, at in session.execute(
        select(Allocation.order_line_id, Allocation.qty, Shipment.delivered_at)
        .join(Shipment, Shipment.id == Allocation.shipment_id)
        .where(Shipment.order_id == order.id, Shipment.status.in_(counted))
    ):
        delivered[line_id] += qty
        if at is not None:
            when[line_id] = max(when.get(line_id, at), at)
    returned = units_on_returns(session, order.id, COUNTS_AS_RETURNED)
    lines = []
    for ln, final in session.execute(
        select(OrderLine, Sku.final_sale)
        .join(Sku, Sku.id == OrderLine.sku_id)
        .where(OrderLine.order_id == order.id)
    ):
        lines.append(
            OrderLineFacts(
                ln.id,
                ln.sku_id,
                ln.qty,
                delivered[ln.id],
                returned[ln.id],
                ln.price_minor,
                final,
                when.get(ln.id),
            )
        )
    channel = Channel.STORE if order.channel == "store" else Channel.WEB
    return OrderFacts(order.id, channel, tuple(lines))


def units_on_returns(
    session: Session,
    order_id: str,
    statuses: Collection[ReturnStatus],
    excluding: str | None = None,
) -> defaultdict[str, int]:
    """Units per order line on the order's returns in one of ``statuses`` (but ``excluding``)."""
    units: defaultdict[str, int] = defaultdict(int)
    for line_id, qty, rid, status in session.execute(
        select(
            ReturnLine.order_line_id,
            ReturnLine.qty,
            ReturnAuthorization.id,
            ReturnAuthorization.status,
        )
        .join(ReturnAuthorization, ReturnAuthorization.id == ReturnLine.return_id)
        .where(ReturnAuthorization.order_id == order_id)
    ):
        if rid != excluding and ReturnStatus(status) in statuses:
            units[line_id] += qty
    return units


def return_nodes(session: Session) -> dict[str, ReturnNode]:
    return {
        n.id: ReturnNode(
            n.id,
            n.kind,
            n.lat,
            n.lon,
            n.accepts_returns and n.enabled,
            n.shipment_cost,
            n.cost_per_km,
        )
        for n in session.scalars(select(Node).order_by(Node.id))
    }


def customer_location(session: Session, order: Order) -> tuple[float, float]:
    if order.dest_lat is not None and order.dest_lon is not None:
        return order.dest_lat, order.dest_lon
    store = session.get(Node, order.pickup_node) if order.pickup_node else None
    if store is None:
        raise ValidationError([f'order "{order.id}": no address to collect the return from'])
    return store.lat, store.lon


def stock_needs(
    session: Session, skus: list[str], now: datetime
) -> dict[tuple[str, str], StockNeed]:
    """ATP per (node, sku) and the expected demand over a week: the units sourced there in the
    last four weeks, divided by four."""
    atp = ledger.available(session, skus)
    sold: dict[tuple[str, str], int] = defaultdict(int)
    for node, sku, qty in session.execute(
        select(Allocation.node_id, OrderLine.sku_id, func.sum(Allocation.qty))
        .join(OrderLine, OrderLine.id == Allocation.order_line_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(OrderLine.sku_id.in_(skus), Order.created_at >= now - DEMAND_WINDOW)
        .group_by(Allocation.node_id, OrderLine.sku_id)
    ):
        sold[(node, sku)] += int(qty or 0)
    keys = set(atp) | set(sold)
    return {k: StockNeed(atp.get(k, 0), sold.get(k, 0) / 4) for k in keys}


def return_view(session: Session, rma: ReturnAuthorization) -> dict[str, Any]:
    refunds = session.scalars(
        select(RefundRow).where(RefundRow.return_id == rma.id).order_by(RefundRow.created_at)
    )
    return {
        "id": rma.id,
        "order_id": rma.order_id,
        "status": rma.status,
        "method": rma.method,
        "reason": rma.reason,
        "destination": rma.destination,
        "cross_channel": rma.cross_channel,
        "exchange_order_id": rma.exchange_order_id,
        "lines": [
            {
                "line_id": ln.order_line_id,
                "sku": ln.sku_id,
                "qty": ln.qty,
                "condition": ln.condition,
                "disposition": ln.disposition,
                "node": ln.target_node,
                "refund_minor": ln.refund_minor,
            }
            for ln in _lines(session, rma.id)
        ],
        "refund_minor": sum(r.amount_minor for r in refunds),
        "created_at": rma.created_at.isoformat(),
        "received_at": rma.received_at.isoformat() if rma.received_at else None,
        "refunded_at": rma.refunded_at.isoformat() if rma.refunded_at else None,
        "events": [
            {"type": e.type, "at": e.occurred_at.isoformat(), "data": e.payload}
            for e in legacy_events.history(session, Aggregate.RETURN, rma.id)
        ],
    }
