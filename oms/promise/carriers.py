"""Carrier services: transit time by distance band, counted in the carrier's delivery days."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Literal, get_args

from oms.domain.calendar import MON_TO_SAT, MONDAY, SUNDAY, nth_day_after
from oms.domain.errors import ValidationError

ServiceName = Literal["standard", "express"]
SERVICE_NAMES: tuple[str, ...] = get_args(ServiceName)


@dataclass(frozen=True)
class CarrierService:
    """A delivery service: `bands` are (max_km, transit_days) with max_km strictly ascending,
    `farther_days` is the transit beyond the last band. Transit counts `delivery_days` only."""

    name: ServiceName
    bands: tuple[tuple[float, int], ...]
    farther_days: int
    delivery_days: frozenset[int] = MON_TO_SAT

    def __post_init__(self) -> None:
        object.__setattr__(self, "bands", tuple((float(k), int(d)) for k, d in self.bands))
        object.__setattr__(self, "delivery_days", frozenset(self.delivery_days))
        problems = _service_problems(self)
        if problems:
            raise ValidationError(problems)

    def transit_days(self, distance_km: float) -> int:
        """Transit in delivery days for a distance; a band includes its upper bound."""
        if not (math.isfinite(distance_km) and distance_km >= 0):
            raise ValidationError([f"distance_km: must be a finite number >= 0, got {distance_km}"])
        for max_km, days in self.bands:
            if distance_km <= max_km:
                return days
        return self.farther_days


def _service_problems(service: CarrierService) -> list[str]:
    problems = []
    if service.name not in SERVICE_NAMES:
        problems.append(f"name: must be one of {list(SERVICE_NAMES)}, got {service.name!r}")
    limits = [k for k, _ in service.bands]
    if any(not (math.isfinite(k) and k > 0) for k in limits):
        problems.append(f"bands: max_km must be finite and > 0, got {limits}")
    if any(a >= b for a, b in pairwise(limits)):
        problems.append(f"bands: max_km must be strictly ascending, got {limits}")
    # A parcel never arrives the day it leaves: transit 0 would promise same-day delivery.
    days = [d for _, d in service.bands] + [service.farther_days]
    if any(d < 1 for d in days):
        problems.append(f"transit_days: must be >= 1 in every band, got {days}")
    if not service.delivery_days:
        problems.append("delivery_days: at least one weekday must be a delivery day")
    elif any(not MONDAY <= d <= SUNDAY for d in service.delivery_days):
        bad = sorted(service.delivery_days)
        problems.append(f"delivery_days: weekdays are 0 (Monday) to 6 (Sunday), got {bad}")
    return problems


STANDARD = CarrierService("standard", bands=((200.0, 1), (600.0, 2)), farther_days=3)
EXPRESS = CarrierService("express", bands=((600.0, 1),), farther_days=2)


def delivery_date(
    service: CarrierService, ship_date: date, distance_km: float, holidays: frozenset[date]
) -> date:
    """Date the parcel reaches the customer: `ship_date` plus the transit, where a day counts
    only if it is one of the carrier's delivery days and not a holiday."""
    return arrival_date(service, ship_date, service.transit_days(distance_km), holidays)


def arrival_date(
    service: CarrierService, ship_date: date, transit_days: int, holidays: frozenset[date]
) -> date:
    """`ship_date` plus `transit_days` of the carrier's delivery days that are not holidays."""

    def delivers(day: date) -> bool:
        return day.weekday() in service.delivery_days and day not in holidays

    return nth_day_after(ship_date, transit_days, delivers)
