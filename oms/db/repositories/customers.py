"""Repositories of customers and their addresses, and the customers' contact details as the
orders context reads them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from oms.customers.model import Customer, CustomerAddress
from oms.db.repositories.base import SqlRepository
from oms.domain.contact import Contact
from oms.domain.errors import ConflictError, NotFoundError


class SqlCustomers(SqlRepository[Customer]):
    entity = Customer
    missing = staticmethod(lambda key: NotFoundError(f'customer "{key}" does not exist'))

    def find_by(
        self, *, email: str | None, phone: str | None, external_id: str | None
    ) -> list[Customer]:
        c = self.table.c
        stmt = select(Customer).order_by(c.created_at, c.id)
        if email is not None:
            stmt = stmt.where(c.email == email)
        if phone is not None:
            stmt = stmt.where(c.phone == phone)
        if external_id is not None:
            stmt = stmt.where(c.external_id == external_id)
        return list(self.session.scalars(stmt))

    def save_unique(self, customer: Customer) -> None:
        """Written at once; a ConflictError (the transaction still usable) when another
        customer took its external id meanwhile (the unique index decides the race)."""
        self.session.add(customer)
        try:
            with self.session.begin_nested():
                self.session.flush()
        except IntegrityError:
            raise ConflictError(
                f'external_id "{customer.external_id}" is another customer\'s'
            ) from None

    def get_for_update(self, customer_id: str) -> Customer:
        found = self.session.get(
            Customer, customer_id, with_for_update=True, populate_existing=True
        )
        if found is None:
            raise self.missing(customer_id)
        return found

    def contact_of(self, customer_id: str) -> Contact | None:
        found = self.session.get(Customer, customer_id)
        if found is None or found.erased_at is not None:
            return None
        return found.contact()


class SqlCustomerAddresses(SqlRepository[CustomerAddress]):
    entity = CustomerAddress
    missing = staticmethod(lambda key: NotFoundError(f'address "{key}" does not exist'))
