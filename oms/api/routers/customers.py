"""Customers: one person across web, app, store and marketplace (checkout and ops keys).

`POST /v1/customers` (e-mail, name, phone, locale, the CRM's `external_id`: unique),
`GET/PATCH /v1/customers/{id}`, `GET /v1/customers?email=|phone=|external_id=` and their
addresses. Orders keep a snapshot of who and where: changing a customer does not change past
orders. Guest orders (an e-mail, no customer) can be attached later
(`POST /v1/customers/{id}/attach`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from oms.access.model import ApiRole
from oms.api.customer_schemas import (
    AddressIn,
    AddressList,
    AttachedOut,
    AttachIn,
    CustomerAddressOut,
    CustomerExportOut,
    CustomerIn,
    CustomerList,
    CustomerOut,
    CustomerPatch,
    ErasureOut,
)
from oms.api.deps import PrincipalDep, UowDep
from oms.api.fields import Ident
from oms.api.responses import KEYED, errors
from oms.customers import gdpr
from oms.customers import service as svc
from oms.customers.model import Customer, CustomerAddress

router = APIRouter(prefix="/v1/customers", tags=["customers"], responses=errors(*KEYED, 404))
CustomerId = Annotated[str, Ident]
ROLES = (ApiRole.CHECKOUT, ApiRole.OPS)


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_customer(body: CustomerIn, uow: UowDep, who: PrincipalDep) -> CustomerOut:
    """A new customer; 409 when another customer has the `external_id`."""
    who.require(*ROLES)
    return customer_out(svc.create_customer(uow, svc.CustomerForm(**body.model_dump())))


@router.get("")
def find_customers(
    uow: UowDep,
    who: PrincipalDep,
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
) -> CustomerList:
    """Customers by e-mail (any case), phone (any punctuation) and/or external id."""
    who.require(*ROLES)
    found = svc.find_customers(uow, email=email, phone=phone, external_id=external_id)
    return CustomerList(data=[customer_out(c) for c in found])


@router.get("/{customer_id}")
def get_customer(customer_id: CustomerId, uow: UowDep, who: PrincipalDep) -> CustomerOut:
    who.require(*ROLES)
    return customer_out(svc.get_customer(uow, customer_id))


@router.patch("/{customer_id}", responses=errors(409))
def update_customer(
    customer_id: CustomerId, body: CustomerPatch, uow: UowDep, who: PrincipalDep
) -> CustomerOut:
    """Change the fields given (past orders keep what they were placed with)."""
    who.require(*ROLES)
    form = svc.CustomerForm(**body.model_dump(exclude_unset=True))
    return customer_out(svc.update_customer(uow, customer_id, form))


@router.post("/{customer_id}/addresses", status_code=status.HTTP_201_CREATED, responses=errors(409))
def add_address(
    customer_id: CustomerId, body: AddressIn, uow: UowDep, who: PrincipalDep
) -> CustomerAddressOut:
    """Keep an address; located from the shipped data when no lat/lon is given (`located_by`
    null when the data does not know the city)."""
    who.require(*ROLES)
    return address_out(svc.add_address(uow, customer_id, body.postal()))


@router.get("/{customer_id}/addresses")
def list_addresses(customer_id: CustomerId, uow: UowDep, who: PrincipalDep) -> AddressList:
    who.require(*ROLES)
    return AddressList(data=[address_out(a) for a in svc.addresses_of(uow, customer_id)])


@router.post("/{customer_id}/attach", responses=errors(409))
def attach_orders(
    customer_id: CustomerId, uow: UowDep, who: PrincipalDep, body: AttachIn | None = None
) -> AttachedOut:
    """Guest orders become the customer's: those named, or every guest order placed with the
    customer's e-mail; 409 when one is another customer's."""
    who.require(*ROLES)
    ids = body.order_ids if body else None
    return AttachedOut(attached=svc.attach_orders(uow, customer_id, ids))


@router.get("/{customer_id}/export")
def export_customer(customer_id: CustomerId, uow: UowDep, who: PrincipalDep) -> CustomerExportOut:
    """Everything held about the person (GDPR access): profile, addresses, orders with their
    lines, shipments, refunds, notifications and history, returns, reservations, and the
    customer's events. Ops keys only."""
    who.require(ApiRole.OPS)
    return CustomerExportOut.model_validate(gdpr.export(uow, customer_id))


@router.post("/{customer_id}/erase")
def erase_customer(customer_id: CustomerId, uow: UowDep, who: PrincipalDep) -> ErasureOut:
    """Pseudonymise the person everywhere (GDPR erasure), keeping what accounting and returns
    need: ids, SKUs, quantities, amounts, dates, statuses, country and the postcode's first two
    characters. Raises `customer.erased`. Idempotent. Ops keys only."""
    who.require(ApiRole.OPS)
    done = gdpr.erase(uow, customer_id)
    return ErasureOut(
        customer_id=done.customer_id,
        erased_at=done.erased_at.isoformat(),
        orders=done.orders,
        reservations=done.reservations,
        payloads_scrubbed=done.payloads_scrubbed,
    )


def customer_out(c: Customer) -> CustomerOut:
    return CustomerOut(
        id=c.id,
        email=c.email,
        name=c.name,
        phone=c.phone,
        locale=c.locale,
        external_id=c.external_id,
        created_at=c.created_at.isoformat(),
        updated_at=c.updated_at.isoformat(),
        erased=c.erased_at is not None,
    )


def address_out(a: CustomerAddress) -> CustomerAddressOut:
    return CustomerAddressOut(
        id=a.id,
        line1=a.line1,
        line2=a.line2,
        postcode=a.postcode,
        city=a.city,
        country=a.country,
        lat=a.lat,
        lon=a.lon,
        located_by=a.located_by,
        created_at=a.created_at.isoformat(),
    )
