"""Promise dates: node calendars and cut-offs, carrier services and transit, click-and-collect.

Pure domain code (standard library only). All instants are timezone-aware; results are UTC
datetimes or local dates. The one promise-date rule that checkout, orders, stores and the
replay use is `oms.promise.rule`; the delivery services and option ids are `oms.promise.choice`.
"""

from oms.domain.calendar import NodeCalendar, ship_date
from oms.promise.carriers import EXPRESS, STANDARD, CarrierService, ServiceName, delivery_date
from oms.promise.delivery import DeliveryPromise, promise_dates
from oms.promise.holidays import FRENCH_HOLIDAYS, easter_sunday, french_holidays
from oms.promise.pickup import pickup_expires_at, pickup_ready_at, transfer_ready_at

__all__ = [
    "EXPRESS",
    "FRENCH_HOLIDAYS",
    "STANDARD",
    "CarrierService",
    "DeliveryPromise",
    "NodeCalendar",
    "ServiceName",
    "delivery_date",
    "easter_sunday",
    "french_holidays",
    "pickup_expires_at",
    "pickup_ready_at",
    "promise_dates",
    "ship_date",
    "transfer_ready_at",
]
