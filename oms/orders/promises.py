"""What an order promises: each shipment's date by the one promise-date rule, and the order's
promise, its latest live shipment's."""

from __future__ import annotations

from datetime import datetime

from oms.orders.model import DeliveryMethod, Order
from oms.promise.option_dates import MinuteDates
from oms.promise.shipment_dates import shipment_promise


def order_shipment_promise(dates: MinuteDates, order: Order, node_id: str) -> datetime:
    """The instant a shipment of ``order`` from ``node_id`` promises (its service's date)."""
    pickup = order.pickup_node if order.method is DeliveryMethod.PICKUP else None
    destination = None
    if pickup is None:
        assert order.dest_lat is not None and order.dest_lon is not None
        destination = (order.dest_lat, order.dest_lon)
    return shipment_promise(
        dates, node_id, order.service, pickup_node=pickup, destination=destination
    )


def promise_view(order: Order, promised: list[datetime]) -> dict[str, str] | None:
    """The order's promise: the latest of its live shipments'."""
    if not promised:
        return None
    latest = max(promised)
    if order.method is DeliveryMethod.PICKUP:
        return {"ready_at": latest.isoformat()}
    return {"delivery_date": latest.date().isoformat()}
