"""What a shipment promises, by the one promise-date rule (``oms.promise.rule``) and the
order's service: the delivery instant at the customer's door for a ship order (standard or
express); for a click-and-collect order, when its units are ready at the store (picked there, or
transferred in)."""

from __future__ import annotations

from datetime import datetime

from oms.promise.choice import DeliveryService
from oms.promise.option_dates import MinuteDates


def shipment_promise(
    dates: MinuteDates,
    node_id: str,
    service: DeliveryService,
    *,
    pickup_node: str | None,
    destination: tuple[float, float] | None,
) -> datetime:
    """The instant a shipment from ``node_id`` promises, for an order placed in the minute of
    ``dates`` (the answers checkout read in that minute): at ``pickup_node`` when given, else
    at ``destination``."""
    index = dates.network.index
    if pickup_node is not None:
        return dates.promised(index[node_id], service, store=index[pickup_node]).at
    assert destination is not None, "a ship order has a destination"
    return dates.promised(index[node_id], service, address=destination).at
