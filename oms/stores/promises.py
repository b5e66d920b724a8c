"""What each shipment of an order promises, by the one promise-date rule (`oms.promise.rule`)
and the order's service: the delivery date at the customer's door for a ship order (standard or
express); for a click-and-collect order, when its units are ready at the store (picked there, or
transferred in). The order's promise is its latest live shipment's."""

from __future__ import annotations

from datetime import datetime

from oms.orders.model import DeliveryMethod, Order
from oms.promise.option_dates import MinuteDates


def shipment_promise(dates: MinuteDates, order: Order, node_id: str) -> datetime:
    """The instant a shipment of `order` from `node_id` promises, for an order placed in the
    minute of `dates` (the answers checkout read in that minute)."""
    index = dates.network.index
    if order.method is DeliveryMethod.PICKUP and order.pickup_node is not None:
        store = index[order.pickup_node]
        return dates.promised(index[node_id], order.service, store=store).at
    assert order.dest_lat is not None and order.dest_lon is not None
    address = (order.dest_lat, order.dest_lon)
    return dates.promised(index[node_id], order.service, address=address).at


def promise_view(order: Order, promised: list[datetime]) -> dict[str, str] | None:
    """The order's promise: the latest of its live shipments'."""
    if not promised:
        return None
    latest = max(promised)
    if order.method is DeliveryMethod.PICKUP:
        return {"ready_at": latest.isoformat()}
    return {"delivery_date": latest.date().isoformat()}
