"""The facts the pure rules decide on, read through the unit of work: an order's delivered units
and what its returns already claim, its money, the nodes as returns see them, the stock picture,
and the decisions a receipt recorded on the return's lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta

from oms.domain.errors import ValidationError
from oms.orders.model import DeliveryMethod, Order, ShipmentStatus
from oms.returns.disposition import Decision, Disposition
from oms.returns.lifecycle import COUNTS_AS_RETURNED, ReturnStatus
from oms.returns.model import OrderFacts, OrderLineFacts, ReturnNode, StockNeed
from oms.returns.policy import Channel
from oms.returns.ports import ReturnsUnitOfWork
from oms.returns.records import ReturnLine
from oms.returns.refunds import OrderMoney, PaidLine

DEMAND_WINDOW = timedelta(days=28)  # expected demand: the last four weeks' units, per week
SHIPPING_REFUND = "return: original shipping"  # the reason of the refund of an order's shipping


def order_facts(uow: ReturnsUnitOfWork, order: Order) -> OrderFacts:
    """Delivered units per line (at the door, or collected), units on live RMAs, final sale."""
    delivered, when = _delivered(uow, order)
    returned = units_on_returns(uow, order.id, COUNTS_AS_RETURNED)
    lines = uow.order_lines.list_by(order_id=order.id, order_by="line_no")
    final = {s.id: s.final_sale for s in uow.skus.list_by(id={ln.sku_id for ln in lines})}
    facts = tuple(
        OrderLineFacts(
            ln.id,
            ln.sku_id,
            ln.qty,
            delivered[ln.id],
            returned[ln.id],
            ln.price_minor,
            final[ln.sku_id],
            when.get(ln.id),
        )
        for ln in lines
    )
    channel = Channel.STORE if order.channel == "store" else Channel.WEB
    return OrderFacts(order.id, channel, facts)


def _delivered(
    uow: ReturnsUnitOfWork, order: Order
) -> tuple[defaultdict[str, int], dict[str, datetime]]:
    """Units per line that reached the customer, and when the last of them did. A pickup
    order's units count once collected (delivered there means at the store, not to her)."""
    counted = (
        (ShipmentStatus.COLLECTED,)
        if order.method is DeliveryMethod.PICKUP
        else (ShipmentStatus.DELIVERED, ShipmentStatus.COLLECTED)
    )
    shipments = {s.id: s for s in uow.shipments.list_by(order_id=order.id, status=counted)}
    delivered: defaultdict[str, int] = defaultdict(int)
    when: dict[str, datetime] = {}
    if not shipments:
        return delivered, when
    for a in uow.allocations.list_by(shipment_id=list(shipments)):
        delivered[a.order_line_id] += a.qty
        at = shipments[str(a.shipment_id)].delivered_at
        if at is not None:
            when[a.order_line_id] = max(when.get(a.order_line_id, at), at)
    return delivered, when


def units_on_returns(
    uow: ReturnsUnitOfWork,
    order_id: str,
    statuses: Collection[ReturnStatus],
    excluding: str | None = None,
) -> defaultdict[str, int]:
    """Units per order line on the order's returns in one of ``statuses`` (but ``excluding``)."""
    units: defaultdict[str, int] = defaultdict(int)
    counted = [
        r.id
        for r in uow.returns.list_by(order_id=order_id)
        if r.id != excluding and ReturnStatus(r.status) in statuses
    ]
    if counted:
        for line in uow.return_lines.list_by(return_id=counted):
            units[line.order_line_id] += line.qty
    return units


def order_money(uow: ReturnsUnitOfWork, order: Order) -> OrderMoney:
    """What the customer paid, line by line, and beyond the lines (discount, shipping)."""
    lines = uow.order_lines.list_by(order_id=order.id, order_by="line_no")
    return OrderMoney(
        order.id,
        tuple(PaidLine(ln.id, ln.qty, ln.price_minor) for ln in lines),
        order.discount_minor,
        order.shipping_minor,
    )


def shipping_refunded(uow: ReturnsUnitOfWork, order_id: str) -> bool:
    """Whether an earlier return of the order gave its shipping back already."""
    return bool(uow.refunds.list_by(order_id=order_id, reason=SHIPPING_REFUND))


def return_nodes(uow: ReturnsUnitOfWork) -> dict[str, ReturnNode]:
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
        for n in uow.nodes.list_by(order_by="id")
    }


def customer_location(uow: ReturnsUnitOfWork, order: Order) -> tuple[float, float]:
    """Where a mail return leaves from: the order's address, or the store it was collected at."""
    if order.dest_lat is not None and order.dest_lon is not None:
        return order.dest_lat, order.dest_lon
    store = uow.nodes.find(order.pickup_node) if order.pickup_node else None
    if store is None:
        raise ValidationError([f'order "{order.id}": no address to collect the return from'])
    return store.lat, store.lon


def stock_needs(
    uow: ReturnsUnitOfWork, skus: list[str], now: datetime
) -> dict[tuple[str, str], StockNeed]:
    """ATP per (node, sku) and the expected demand over a week: the units sourced there in the
    last four weeks, divided by four."""
    atp = uow.stock.available(skus)
    sold = uow.returns.units_sourced_since(skus, now - DEMAND_WINDOW)
    keys = set(atp) | set(sold)
    return {k: StockNeed(atp.get(k, 0), sold.get(k, 0) / 4) for k in keys}


def recorded_decisions(lines: Iterable[ReturnLine]) -> list[Decision]:
    """The dispositions a receipt recorded on the return's lines (received lines only)."""
    return [
        Decision(
            ln.order_line_id,
            ln.sku_id,
            ln.qty,
            Disposition(ln.disposition),
            ln.target_node,
            "as recorded at receipt",
        )
        for ln in lines
        if ln.disposition is not None
    ]
