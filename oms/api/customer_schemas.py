"""Bodies of the customers routes, and who and where an order, reservation or promise is for
(``WhoIn``: its fields join those bodies)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from oms.api.fields import Ident, Label, Latitude, Longitude
from oms.domain.contact import Contact, PostalAddress
from oms.domain.limits import NO_CONTROL_CHARS
from oms.orders.recipients import RecipientForm

Email = Annotated[
    str,
    StringConstraints(min_length=3, max_length=254, pattern=NO_CONTROL_CHARS),
    Field(description="an e-mail address; kept lower case"),
]
Phone = Annotated[
    str,
    StringConstraints(min_length=6, max_length=32, pattern=NO_CONTROL_CHARS),
    Field(description="6 to 20 digits, an optional leading +; kept as digits and +"),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_CONTROL_CHARS)]
Postcode = Annotated[str, StringConstraints(min_length=1, max_length=16, pattern=NO_CONTROL_CHARS)]
Country = Annotated[
    str,
    StringConstraints(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$"),
    Field(description="ISO 3166-1 alpha-2"),
]
LocaleIn = Literal["fr", "en"]


class AddressIn(BaseModel):
    """A postal address. Without lat/lon, the OMS locates it from the city and country (the
    postcode decides between namesakes where the data allows), from data shipped with it."""

    model_config = ConfigDict(extra="forbid")
    line1: Name
    line2: Name | None = None
    postcode: Postcode
    city: Name
    country: Country
    lat: Latitude | None = None
    lon: Longitude | None = None

    def postal(self) -> PostalAddress:
        return PostalAddress(**self.model_dump())


class AddressOut(BaseModel):
    """As given; after an erasure only the country and the postcode's first two characters."""

    line1: str | None
    line2: str | None
    postcode: str
    city: str | None
    country: str
    lat: float | None = None
    lon: float | None = None


class WhoIn(BaseModel):
    """Who an order or reservation is for: a customer (whose details are the defaults) or a
    guest's e-mail; and the postal address it goes to."""

    customer_id: Ident | None = Field(default=None, description="a customer's id (cus_...)")
    email: Email | None = Field(default=None, description="the customer's or guest's e-mail")
    name: Name | None = None
    phone: Phone | None = None
    locale: LocaleIn | None = Field(default=None, description="the messages' language")
    address: AddressIn | None = Field(
        default=None,
        description="the postal address; a ship request without a destination is sent to "
        "where the address is (a 422 naming address.city when it cannot be located)",
    )


def who_form(body: WhoIn) -> RecipientForm:
    """Who and where, as the orders context takes them."""
    contact = Contact(
        customer_id=body.customer_id,
        email=body.email,
        name=body.name,
        phone=body.phone,
        locale=body.locale,
    )
    return RecipientForm(contact=contact, address=body.address.postal() if body.address else None)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email
    name: Name | None = None
    phone: Phone | None = None
    locale: LocaleIn = "en"
    external_id: Label | None = Field(
        default=None, description="the CRM's or e-commerce platform's id; unique"
    )


class CustomerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Email | None = None
    name: Name | None = None
    phone: Phone | None = None
    locale: LocaleIn | None = None
    external_id: Label | None = None


class CustomerAddressOut(AddressOut):
    id: str
    located_by: str | None = Field(description="given, postcode, city, or null: not located")
    created_at: str


class CustomerOut(BaseModel):
    object: Literal["customer"] = "customer"
    id: str
    email: str
    name: str | None
    phone: str | None
    locale: str
    external_id: str | None
    created_at: str
    updated_at: str
    erased: bool


class CustomerList(BaseModel):
    object: Literal["list"] = "list"
    data: list[CustomerOut]


class AddressList(BaseModel):
    object: Literal["list"] = "list"
    data: list[CustomerAddressOut]


class AttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_ids: list[Ident] | None = Field(
        default=None,
        max_length=100,
        description="the guest orders to attach; omitted: every guest order with the "
        "customer's e-mail",
    )


class AttachedOut(BaseModel):
    attached: list[str]


class ErasureOut(BaseModel):
    object: Literal["customer_erasure"] = "customer_erasure"
    customer_id: str
    erased_at: str
    orders: list[str] = Field(description="the orders whose who-and-where were pseudonymised")
    reservations: int
    payloads_scrubbed: int = Field(
        description="stored events, outbox rows, webhook deliveries and notifications rewritten "
        "by this call (0 when the customer was already erased)"
    )


class CustomerExportOut(BaseModel):
    """Everything held about one person (GDPR access), as stored."""

    object: Literal["customer_export"] = "customer_export"
    generated_at: str
    customer: dict[str, Any] = Field(description="the customer row")
    addresses: list[dict[str, Any]]
    orders: list[dict[str, Any]] = Field(
        description="each order as GET /v1/orders/{id} shows it: who and where, lines, "
        "shipments and their tracking, refunds, notifications, history"
    )
    returns: list[dict[str, Any]]
    reservations: list[dict[str, Any]]
    events: list[dict[str, Any]] = Field(description="the customer's own events")
