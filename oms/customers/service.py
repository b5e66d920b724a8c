"""Customers: create (unique external id), read, change, find by e-mail, phone or external id;
their addresses (located when the data allows); guest orders attached to them later."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields, replace

from oms.customers.model import Customer, CustomerAddress
from oms.customers.ports import CustomersUnitOfWork
from oms.domain.contact import (
    Locale,
    PostalAddress,
    contact_problems,
    normal_email,
    normal_phone,
)
from oms.domain.errors import ConflictError, ValidationError
from oms.domain.events import (
    CustomerAddressAdded,
    CustomerCreated,
    CustomerUpdated,
    OrderAttached,
    utcnow,
)
from oms.promise.places import checked_address, locate


@dataclass(frozen=True, kw_only=True)
class CustomerForm:
    """A customer as the caller states it (PATCH: None leaves a field as it is)."""

    email: str | None = None
    name: str | None = None
    phone: str | None = None
    locale: str | None = None
    external_id: str | None = None


def create_customer(uow: CustomersUnitOfWork, form: CustomerForm) -> Customer:
    if form.email is None:
        raise ValidationError(["email: required"])
    form = _checked(form)
    _external_id_free(uow, form.external_id, None)
    customer = Customer(
        id="cus_" + uuid.uuid4().hex[:24],
        email=normal_email(form.email or ""),
        name=form.name,
        phone=form.phone,
        locale=form.locale or Locale.EN.value,
        external_id=form.external_id,
    )
    uow.customers.save_unique(customer)
    uow.emit(CustomerCreated(customer_id=customer.id, locale=customer.locale))
    uow.commit()
    return customer


def get_customer(uow: CustomersUnitOfWork, customer_id: str) -> Customer:
    return uow.customers.get(customer_id)


def update_customer(uow: CustomersUnitOfWork, customer_id: str, form: CustomerForm) -> Customer:
    """Change the fields given; past orders keep the details they were placed with."""
    form = _checked(form)
    customer = uow.customers.get_for_update(customer_id)
    _refuse_erased(customer)
    _external_id_free(uow, form.external_id, customer.id)
    changed = []
    for f in fields(form):
        value = getattr(form, f.name)
        if value is not None and value != getattr(customer, f.name):
            setattr(customer, f.name, value)
            changed.append(f.name)
    if changed:
        customer.updated_at = utcnow()
        uow.customers.save_unique(customer)
        uow.emit(CustomerUpdated(customer_id=customer.id, fields=changed))
    uow.commit()
    return customer


def find_customers(
    uow: CustomersUnitOfWork,
    *,
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
) -> list[Customer]:
    if email is None and phone is None and external_id is None:
        raise ValidationError(["email: give email, phone or external_id to find customers"])
    return uow.customers.find_by(
        email=normal_email(email) if email is not None else None,
        phone=normal_phone(phone) if phone is not None else None,
        external_id=external_id,
    )


def add_address(
    uow: CustomersUnitOfWork, customer_id: str, address: PostalAddress
) -> CustomerAddress:
    """Keep the address, located from the shipped data when no lat/lon is given (left
    unlocated when the data does not know the city: an order to it must then give lat/lon)."""
    customer = uow.customers.get(customer_id)
    _refuse_erased(customer)
    address = checked_address(address)
    located = locate(address)
    row = CustomerAddress(
        id="addr_" + uuid.uuid4().hex[:24],
        customer_id=customer.id,
        line1=address.line1,
        line2=address.line2,
        postcode=address.postcode,
        city=address.city,
        country=address.country,
        lat=located.lat if located else None,
        lon=located.lon if located else None,
        located_by=located.by.value if located else None,
    )
    uow.customer_addresses.add(row)
    uow.emit(CustomerAddressAdded(customer_id=customer.id, address_id=row.id, country=row.country))
    uow.commit()
    return row


def addresses_of(uow: CustomersUnitOfWork, customer_id: str) -> list[CustomerAddress]:
    uow.customers.get(customer_id)
    return uow.customer_addresses.list_by(customer_id=customer_id, order_by="created_at")


def attach_orders(
    uow: CustomersUnitOfWork, customer_id: str, order_ids: list[str] | None
) -> list[str]:
    """Guest orders become the customer's: those named, or else every guest order placed with
    the customer's e-mail. An order that is another customer's is refused (409)."""
    customer = uow.customers.get(customer_id)
    _refuse_erased(customer)
    if order_ids is None:
        orders = uow.orders.list_by(email=customer.email, customer_id=None)
    else:
        orders = [uow.orders.get(oid) for oid in order_ids]
    taken = [o.id for o in orders if o.customer_id not in (None, customer.id)]
    if taken:
        raise ConflictError(f"orders {', '.join(taken)} belong to another customer")
    attached = []
    for order in orders:
        if order.customer_id is None:
            order.customer_id = customer.id
            uow.emit(OrderAttached(customer_id=customer.id, order_id=order.id))
            attached.append(order.id)
    uow.commit()
    return attached


def _checked(form: CustomerForm) -> CustomerForm:
    problems = contact_problems(form.email, form.phone, form.locale)
    if problems:
        raise ValidationError(problems)
    return replace(
        form,
        email=normal_email(form.email) if form.email is not None else None,
        phone=normal_phone(form.phone) if form.phone is not None else None,
    )


def _external_id_free(uow: CustomersUnitOfWork, external_id: str | None, owner: str | None) -> None:
    if external_id is None:
        return
    holders = uow.customers.find_by(email=None, phone=None, external_id=external_id)
    if any(c.id != owner for c in holders):
        raise ConflictError(f'external_id "{external_id}" is another customer\'s')


def _refuse_erased(customer: Customer) -> None:
    if customer.erased_at is not None:
        raise ConflictError(f'customer "{customer.id}" was erased')
