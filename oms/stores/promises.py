"""What each shipment of an order promises: the delivery date at the customer's door for a
ship order; for a pickup order, when its units are ready at the store (picked there, or
transferred in). The same calendar rules as the promise API (oms.promise)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from oms.db.statuses import DeliveryMethod
from oms.db.tables import Order
from oms.promise import (
    FRENCH_HOLIDAYS,
    STANDARD,
    pickup_ready_at,
    promise_dates,
    ship_date,
    transfer_ready_at,
)
from oms.sourcing.network import Network


def shipment_promise(network: Network, order: Order, node_id: str, now: datetime) -> datetime:
    node = network.node(node_id)
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        store = network.node(order.pickup_node)
        if node_id == store.id:
            return pickup_ready_at(store.calendar, now)
        km = network.km_between(network.index[node_id], network.index[store.id])
        leaves = ship_date(node.calendar, now)
        return transfer_ready_at(store.calendar, leaves, STANDARD.transit_days(km))
    assert order.dest_lat is not None and order.dest_lon is not None
    km = network.km_to_point(network.index[node_id], order.dest_lat, order.dest_lon)
    day = promise_dates(node.calendar, STANDARD, now, km, FRENCH_HOLIDAYS).delivery_date
    return datetime.combine(day, time(0), tzinfo=UTC)  # a date: shown as one


def promise_view(order: Order, promised: list[datetime]) -> dict[str, str] | None:
    """The order's promise: the latest of its live shipments'."""
    if not promised:
        return None
    latest = max(promised)
    if order.method is DeliveryMethod.PICKUP:
        return {"ready_at": latest.isoformat()}
    return {"delivery_date": latest.date().isoformat()}
