"""A customer, their addresses, and the contact and postal address an order or reservation
keeps as given (a snapshot: editing the customer later does not change past orders).

Plain classes: ``oms/db/orm.py`` maps them to their tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from oms.domain.events import utcnow


class Locale(StrEnum):
    FR = "fr"
    EN = "en"


class LocatedBy(StrEnum):
    """How an order's destination was found: as given, or from its address."""

    GIVEN = "given"  # lat/lon in the request (destination, or the address's own)
    POSTCODE = "postcode"  # the address's postcode picked the place among the city's namesakes
    CITY = "city"  # city and country alone
    PICKUP_NODE = "pickup_node"  # a pickup: the store's location


@dataclass(eq=False, kw_only=True)
class Customer:
    id: str  # "cus_" + 24 hex
    email: str  # lower case
    name: str | None = None
    phone: str | None = None  # as given, digits and a leading + kept
    locale: Locale = Locale.EN
    external_id: str | None = None  # the CRM's or e-commerce platform's id; unique
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    erased_at: datetime | None = None


@dataclass(eq=False, kw_only=True)
class CustomerAddress:
    id: str  # "addr_" + 24 hex
    customer_id: str
    line1: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2, upper case
    line2: str | None = None
    lat: float | None = None
    lon: float | None = None
    located_by: str | None = None
    created_at: datetime = field(default_factory=utcnow)


def postal(address: CustomerAddress) -> dict[str, Any]:
    """The address as an order keeps it."""
    return {
        "line1": address.line1,
        "line2": address.line2,
        "postcode": address.postcode,
        "city": address.city,
        "country": address.country,
    }
