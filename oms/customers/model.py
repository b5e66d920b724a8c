"""A customer and their addresses. Plain classes: ``oms/db/orm.py`` maps them to their tables.
Orders keep their own copy of who and where (``oms.domain.contact``), not a link to these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from oms.domain.contact import Contact, Locale, PostalAddress
from oms.domain.events import utcnow


@dataclass(eq=False, kw_only=True)
class Customer:
    id: str  # "cus_" + 24 hex
    email: str  # lower case
    name: str | None = None
    phone: str | None = None  # digits, with a leading + kept (normal_phone)
    locale: str = Locale.EN.value
    external_id: str | None = None  # the CRM's or e-commerce platform's id; unique
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime = field(default_factory=utcnow)
    erased_at: datetime | None = None

    def contact(self) -> Contact:
        return Contact(
            customer_id=self.id,
            email=self.email,
            name=self.name,
            phone=self.phone,
            locale=self.locale,
        )


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

    def postal(self) -> PostalAddress:
        return PostalAddress(
            line1=self.line1,
            line2=self.line2,
            postcode=self.postcode,
            city=self.city,
            country=self.country,
            lat=self.lat,
            lon=self.lon,
        )
