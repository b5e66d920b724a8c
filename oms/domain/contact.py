"""Who an order is for and where it goes, as value objects every context may hold: the contact
(a customer, or a guest's e-mail) and the postal address as given. Orders keep them as a
snapshot: editing the customer later does not change past orders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Locale(StrEnum):
    FR = "fr"
    EN = "en"


# The languages the OMS speaks to customers in (each has notification templates).
LOCALES = tuple(loc.value for loc in Locale)


class LocatedBy(StrEnum):
    """How an order's destination was found."""

    GIVEN = "given"  # lat/lon in the request (its destination, or its address's own)
    POSTCODE = "postcode"  # the postcode picked the place among the city's namesakes
    CITY = "city"  # city and country alone (the most populous namesake)


# Practical e-mail shape (one @, a dot in the domain, no spaces): the mailer is the real check.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,63}$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]{6,32}$")


def normal_email(value: str) -> str:
    return value.strip().lower()


def email_problem(value: str) -> str | None:
    """Why ``value`` is not an e-mail address, or None."""
    if len(value) > 254 or not _EMAIL.match(value.strip()):
        return "not an e-mail address"
    return None


def normal_phone(value: str) -> str:
    """Digits, with the leading + kept: the form searches compare."""
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    return ("+" if text.startswith("+") else "") + digits


def phone_problem(value: str) -> str | None:
    if not _PHONE_CHARS.match(value.strip()) or not 6 <= len(re.sub(r"\D", "", value)) <= 20:
        return "a phone number is 6 to 20 digits, with an optional leading +"
    return None


def contact_problems(email: str | None, phone: str | None, locale: str | None) -> list[str]:
    """What is wrong with the details given (None: not given), each naming its field."""
    problems = []
    if email is not None and (why := email_problem(email)):
        problems.append(f"email: {why}")
    if phone is not None and (why := phone_problem(phone)):
        problems.append(f"phone: {why}")
    if locale is not None and locale not in LOCALES:
        problems.append(f"locale: one of {', '.join(LOCALES)}")
    return problems


@dataclass(frozen=True, kw_only=True)
class PostalAddress:
    line1: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2, upper case
    line2: str | None = None
    lat: float | None = None
    lon: float | None = None

    def snapshot(self) -> dict[str, Any]:
        """The address as an order keeps it."""
        return {
            "line1": self.line1,
            "line2": self.line2,
            "postcode": self.postcode,
            "city": self.city,
            "country": self.country,
            "lat": self.lat,
            "lon": self.lon,
        }


@dataclass(frozen=True, kw_only=True)
class Contact:
    """Who to tell about an order: a customer's details, or a guest's."""

    customer_id: str | None = None
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    locale: str | None = None
