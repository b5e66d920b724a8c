"""Who an order or reservation is for and where it goes, resolved from what the caller gives:
a customer (their details by default) or a guest's e-mail, name, phone and locale; a postal
address, located from the shipped data when no destination (lat/lon) is given. Kept on the
reservation and the order as given: a snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from oms.domain.contact import (
    Contact,
    LocatedBy,
    PostalAddress,
    contact_problems,
    normal_email,
    normal_phone,
)
from oms.domain.errors import ValidationError
from oms.orders.model import Order, Reservation
from oms.orders.ports import CustomerContacts
from oms.promise.places import checked_address, located_or_refused

# The fields of an order and a reservation that say who and where.
RECIPIENT_FIELDS = (
    "customer_id",
    "email",
    "customer_name",
    "phone",
    "locale",
    "address",
    "located_by",
)


@dataclass(frozen=True, kw_only=True)
class RecipientForm:
    """As the caller states it."""

    contact: Contact = field(default_factory=Contact)
    address: PostalAddress | None = None

    def fingerprint(self) -> list[Any]:
        return ["who", vars(self.contact), self.address.snapshot() if self.address else None]

    def given(self) -> bool:
        return self.address is not None or any(v is not None for v in vars(self.contact).values())


@dataclass(frozen=True, kw_only=True)
class Recipient:
    """As resolved: what the reservation and the order keep."""

    contact: Contact
    address: dict[str, Any] | None = None
    located_by: str | None = None

    def write_to(self, entity: Order | Reservation) -> None:
        entity.customer_id = self.contact.customer_id
        entity.email = self.contact.email
        entity.customer_name = self.contact.name
        entity.phone = self.contact.phone
        entity.locale = self.contact.locale
        entity.address = self.address
        entity.located_by = self.located_by


def resolve(
    contacts: CustomerContacts,
    form: RecipientForm,
    destination: tuple[float, float] | None,
    *,
    needs_destination: bool,
) -> tuple[Recipient, tuple[float, float] | None]:
    """The recipient and the destination: the one given, or the address's location when a
    destination is needed and none was given (a 422 naming ``address.city`` when the data
    does not know it). Every problem found is named at once."""
    contact = _contact(contacts, form.contact)
    address = checked_address(form.address) if form.address is not None else None
    located_by = LocatedBy.GIVEN.value if destination is not None else None
    if destination is None and address is not None and needs_destination:
        found = located_or_refused(address)
        destination, located_by = (found.lat, found.lon), found.by.value
    snapshot = address.snapshot() if address is not None else None
    return Recipient(contact=contact, address=snapshot, located_by=located_by), destination


def _contact(contacts: CustomerContacts, given: Contact) -> Contact:
    problems = contact_problems(given.email, given.phone, given.locale)
    known = None
    if given.customer_id is not None:
        known = contacts.contact_of(given.customer_id)
        if known is None:
            problems.append(f'customer_id: no customer "{given.customer_id}"')
    if problems:
        raise ValidationError(problems)
    contact = replace(
        given,
        email=normal_email(given.email) if given.email is not None else None,
        phone=normal_phone(given.phone) if given.phone is not None else None,
    )
    if known is None:
        return contact
    # What the request gives wins over the customer's details (a gift, another phone).
    return Contact(
        customer_id=known.customer_id,
        email=contact.email or known.email,
        name=contact.name or known.name,
        phone=contact.phone or known.phone,
        locale=contact.locale or known.locale,
    )
