"""The delivery promise for one node, service and destination: ship date and delivery date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from oms.domain.calendar import NodeCalendar, ship_date
from oms.promise.carriers import CarrierService, delivery_date


@dataclass(frozen=True)
class DeliveryPromise:
    """What checkout shows for one delivery option."""

    service: str
    ship_date: date
    delivery_date: date


def promise_dates(
    node_cal: NodeCalendar,
    service: CarrierService,
    now_utc: datetime,
    distance_km: float,
    holidays: frozenset[date],
) -> DeliveryPromise:
    """Ship date at the node (cut-off, open days, processing), then the carrier's transit.

    `holidays` are the carrier's (destination country's); the node's own are in `node_cal`.
    """
    leaves = ship_date(node_cal, now_utc)
    arrives = delivery_date(service, leaves, distance_km, holidays)
    return DeliveryPromise(service.name, leaves, arrives)
