"""Returns, the commands: open an RMA (eligibility, routing), read it, receive it (disposition,
then the refund or the exchange order).

Each command reads the facts the pure rules need through the unit of work (oms/returns/facts.py),
lets the rules decide, and writes the RMA, the refunds and the return's events. Restocking the
units received sellable is not done here: a handler reacts to ``ReturnReceived``
(oms/returns/handlers.py). Public commands commit and return the return's view."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from oms.domain.errors import ForbiddenError, ValidationError
from oms.domain.events import Exchanged, Refunded, ReturnReceived, ReturnRequested
from oms.orders.model import Order, OrderLineStatus
from oms.orders.model import Refund as RefundRow
from oms.orders.queries import get_order, order_nodes, require_store_sees
from oms.orders.reservations import ReserveRequest
from oms.promise.service import NetworkCache
from oms.returns.disposition import Condition, Decision, ReceivedLine, decide_receipt
from oms.returns.eligibility import check_return
from oms.returns.exchanges import ReplacementLine, exchange_for
from oms.returns.facts import (
    SHIPPING_REFUND,
    customer_location,
    order_facts,
    order_money,
    return_nodes,
    shipping_refunded,
    stock_needs,
    units_on_returns,
)
from oms.returns.lifecycle import ReturnStatus, status_after_approval, transition
from oms.returns.model import ApprovedReturn, ReturnNode, ReturnRequest
from oms.returns.policy import POLICY, Method, Reason
from oms.returns.ports import ReturnsUnitOfWork
from oms.returns.records import ReturnAuthorization, ReturnLine
from oms.returns.refunds import Refund, ReturnedLine, refund_for
from oms.returns.routing import RoutedLine, route_return
from oms.returns.views import ReturnView, return_view

DONE = (ReturnStatus.REFUNDED, ReturnStatus.EXCHANGED, ReturnStatus.CLOSED)

Exchange = Sequence[tuple[str, int]]  # replacement lines asked for: (sku, qty)


# ---------------------------------------------------------------- reads


def get_return(uow: ReturnsUnitOfWork, rid: str) -> ReturnAuthorization:
    return uow.returns.get(rid)


def return_for(uow: ReturnsUnitOfWork, rid: str, store: str | None) -> ReturnAuthorization:
    """The return, if the caller may see it: a store key sees the returns sent to its node or
    of orders that involve it."""
    rma = get_return(uow, rid)
    if store is not None and rma.destination != store:
        order = get_order(uow, rma.order_id)
        require_store_sees(store, order_nodes(uow, order), f'return "{rid}"')
    return rma


def show_return(uow: ReturnsUnitOfWork, rid: str, store: str | None) -> ReturnView:
    return return_view(uow, return_for(uow, rid, store))


# ---------------------------------------------------------------- opening a return


def create_return(
    uow: ReturnsUnitOfWork,
    order_id: str,
    req: ReturnRequest,
    exchange: Exchange | None = None,
    *,
    store: str | None = None,
    now: datetime | None = None,
) -> ReturnView:
    """Open an RMA for delivered units of an order; ``store`` is a store key's node (it opens
    in-store returns at its own counter only)."""
    if store is not None:
        require_own_counter(store, req.method, req.store)
    rma = open_return(uow, order_id, req, exchange, now)
    view = return_view(uow, rma)
    uow.commit()
    return view


def require_own_counter(store: str | None, method: str, counter: str | None) -> None:
    """A store key opens in-store returns at its own counter only."""
    if method != "in_store" or counter != store:
        raise ForbiddenError(f"a store key opens in-store returns at {store} only")


def open_return(
    uow: ReturnsUnitOfWork,
    order_id: str,
    req: ReturnRequest,
    exchange: Exchange | None = None,
    now: datetime | None = None,
) -> ReturnAuthorization:
    """The RMA of the units the rules approve, sent where they should come back to."""
    now = now or datetime.now(UTC)
    order = get_order(uow, order_id)
    nodes = return_nodes(uow)
    approved = check_return(req, order_facts(uow, order), POLICY, now, nodes)
    _check_exchange(uow, exchange)
    destination = _destination(uow, order, approved, nodes, now)
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
    uow.returns.add_now(rma)
    for a in approved.lines:
        uow.return_lines.add(
            ReturnLine(return_id=rma.id, order_line_id=a.line_id, sku_id=a.sku, qty=a.qty)
        )
    uow.emit(
        ReturnRequested(
            order_id=order.id,
            return_id=rma.id,
            status=rma.status,
            destination=destination,
            units=approved.units,
        )
    )
    return rma


def _destination(
    uow: ReturnsUnitOfWork,
    order: Order,
    approved: ApprovedReturn,
    nodes: Mapping[str, ReturnNode],
    now: datetime,
) -> str:
    """The drop-off store of an in-store return; for a mail return, the node routing picks."""
    if approved.method is Method.IN_STORE:
        assert approved.store is not None  # check_return approved a store
        return approved.store
    lat, lon = customer_location(uow, order)
    routed = [RoutedLine(a.sku, a.qty, a.unit_price_minor) for a in approved.lines]
    needs = stock_needs(uow, [a.sku for a in approved.lines], now)
    return route_return(routed, lat, lon, list(nodes.values()), needs, POLICY).node_id


def _check_exchange(uow: ReturnsUnitOfWork, exchange: Exchange | None) -> None:
    if not exchange:
        return
    known = {s.id for s in uow.skus.list_by(id=[s for s, _ in exchange])}
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


# ---------------------------------------------------------------- receiving a return


def receive(
    uow: ReturnsUnitOfWork,
    cache: NetworkCache,
    rid: str,
    lines: Sequence[tuple[str, str]],
    *,
    store: str | None = None,
    now: datetime | None = None,
) -> ReturnView:
    """Receive every line of a return, each as ``(order line, condition)``; ``store`` is a
    store key's node (it receives the returns sent to it only)."""
    rma = get_return(uow, rid)
    if store is not None and store != rma.destination:
        raise ForbiddenError(f"this store key is bound to {store}, not {rma.destination}")
    conditions = dict(lines)
    if len(conditions) < len(lines):
        raise ValidationError(["lines: each line may be received once"])
    receive_return(uow, cache, rma, conditions, now)
    view = return_view(uow, rma)
    uow.commit()
    return view


def receive_return(
    uow: ReturnsUnitOfWork,
    cache: NetworkCache,
    rma: ReturnAuthorization,
    conditions: Mapping[str, str],
    now: datetime | None = None,
) -> None:
    """Each line's condition decides its disposition; units restocked where they arrived are
    on sale at once (the handler of ``ReturnReceived``); the refund (or the exchange order)
    follows."""
    now = now or datetime.now(UTC)
    received = transition(ReturnStatus(rma.status), ReturnStatus.RECEIVED)
    lines = _lines(uow, rma.id)
    decisions = _decide(uow, rma, lines, conditions, now)  # every line checked first
    rma.status = received.value
    for line, d in zip(lines, decisions, strict=True):
        line.condition = conditions[line.order_line_id]
        line.disposition, line.target_node = d.disposition.value, d.node_id
    rma.received_at = now
    uow.emit(
        ReturnReceived(
            order_id=rma.order_id,
            return_id=rma.id,
            status=rma.status,
            lines={d.line_id: d.disposition.value for d in decisions},
        )
    )
    _settle(uow, cache, rma, lines, now)


def _decide(
    uow: ReturnsUnitOfWork,
    rma: ReturnAuthorization,
    lines: list[ReturnLine],
    conditions: Mapping[str, str],
    now: datetime,
) -> list[Decision]:
    """The disposition of each line, at the node that received it."""
    received = _received(uow, lines, conditions)
    nodes = return_nodes(uow)
    needs = stock_needs(uow, [ln.sku_id for ln in lines], now)
    return decide_receipt(received, nodes[rma.destination], list(nodes.values()), needs, POLICY)


def _received(
    uow: ReturnsUnitOfWork, lines: list[ReturnLine], conditions: Mapping[str, str]
) -> list[ReceivedLine]:
    """The lines as received, once every line has a known condition (every fault named)."""
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
    price = {ln.id: ln.price_minor for ln in uow.order_lines.list_by(id=sorted(ids))}
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


def _lines(uow: ReturnsUnitOfWork, rid: str) -> list[ReturnLine]:
    return uow.return_lines.list_by(return_id=rid, order_by="order_line_id")


# ---------------------------------------------------------------- refunds and exchanges


def _settle(
    uow: ReturnsUnitOfWork,
    cache: NetworkCache,
    rma: ReturnAuthorization,
    lines: list[ReturnLine],
    now: datetime,
) -> None:
    """The money of a received return: refunded, or paying for an exchange order."""
    order = get_order(uow, rma.order_id)
    refund = _refund(uow, order, rma, lines)
    by_line = {ln.order_line_id: ln for ln in lines}
    for lr in refund.lines:
        by_line[lr.line_id].refund_minor = lr.amount_minor
    if rma.exchange:
        _exchange(uow, cache, order, rma, refund)
    else:
        _refund_money(uow, order, rma, refund)
    rma.refunded_at = now
    _mark_returned_lines(uow, order)


def _refund(
    uow: ReturnsUnitOfWork, order: Order, rma: ReturnAuthorization, lines: list[ReturnLine]
) -> Refund:
    """What this return gives back, given what the order's earlier returns gave already."""
    return refund_for(
        order_money(uow, order),
        [ReturnedLine(ln.order_line_id, ln.qty) for ln in lines],
        POLICY,
        Reason(rma.reason),
        refunded_before=units_on_returns(uow, order.id, DONE, excluding=rma.id),
        shipping_refunded_before=shipping_refunded(uow, order.id),
    )


def _refund_money(
    uow: ReturnsUnitOfWork, order: Order, rma: ReturnAuthorization, refund: Refund
) -> None:
    items = refund.items_minor - refund.restocking_fee_minor
    _record_refund(uow, order, rma, items, "return")
    _record_refund(uow, order, rma, refund.shipping_minor, SHIPPING_REFUND)
    rma.status = transition(ReturnStatus.RECEIVED, ReturnStatus.REFUNDED).value
    uow.emit(
        Refunded(
            order_id=order.id,
            return_id=rma.id,
            status=rma.status,
            amount_minor=refund.total_minor,
            shipping_minor=refund.shipping_minor,
        )
    )


def _exchange(
    uow: ReturnsUnitOfWork,
    cache: NetworkCache,
    order: Order,
    rma: ReturnAuthorization,
    refund: Refund,
) -> None:
    """The replacement is a new order, sourced by the engine like any other (shipped to the
    same address or held at the same store); the credit pays for it, any rest is refunded."""
    from oms.orders.service import OrderRequest, place_order  # orders do not import returns

    wanted = [(str(s), int(q)) for s, q in rma.exchange or []]
    prices = {s.id: s.price_minor for s in uow.skus.list_by(id=[s for s, _ in wanted])}
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
    new, _ = place_order(uow, cache, OrderRequest(None, req, order.channel))
    rma.exchange_order_id = new.id
    rma.status = transition(ReturnStatus.RECEIVED, ReturnStatus.EXCHANGED).value
    if ex.refund_minor > 0:
        _record_refund(uow, order, rma, ex.refund_minor, "exchange balance")
    uow.emit(
        Exchanged(
            order_id=order.id,
            return_id=rma.id,
            status=rma.status,
            new_order_id=new.id,
            credit_minor=ex.credit_minor,
            replacement_minor=ex.replacement_minor,
            balance_due_minor=ex.balance_due_minor,
        )
    )


def _record_refund(
    uow: ReturnsUnitOfWork, order: Order, rma: ReturnAuthorization, amount: int, reason: str
) -> None:
    if amount > 0:
        uow.refunds.add(
            RefundRow(
                id="RF-" + uuid.uuid4().hex[:10].upper(),
                order_id=order.id,
                amount_minor=amount,
                currency=order.currency,
                reason=reason,
                return_id=rma.id,
            )
        )


def _mark_returned_lines(uow: ReturnsUnitOfWork, order: Order) -> None:
    """Lines whose every unit came back on settled returns are returned."""
    done = units_on_returns(uow, order.id, DONE)
    for line in uow.order_lines.list_by(order_id=order.id):
        if done[line.id] >= line.qty:
            line.status = OrderLineStatus.RETURNED
