"""Fakes of the customers context's repositories."""

from __future__ import annotations

from oms.customers.model import Customer, CustomerAddress
from oms.domain.contact import Contact
from oms.domain.errors import ConflictError, NotFoundError
from tests.fakes.base import FakeRepository


class FakeCustomers(FakeRepository[Customer]):
    entity = Customer
    missing = staticmethod(lambda key: NotFoundError(f'customer "{key}" does not exist'))

    def find_by(
        self, *, email: str | None, phone: str | None, external_id: str | None
    ) -> list[Customer]:
        wanted = {"email": email, "phone": phone, "external_id": external_id}
        found = [
            c
            for c in self.rows.values()
            if all(v is None or getattr(c, k) == v for k, v in wanted.items())
        ]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    def save_unique(self, customer: Customer) -> None:
        taken = customer.external_id is not None and any(
            c.external_id == customer.external_id and c.id != customer.id
            for c in self.rows.values()
        )
        if taken:
            raise ConflictError(f'external_id "{customer.external_id}" is another customer\'s')
        self.add(customer)

    def get_for_update(self, customer_id: str) -> Customer:
        return self.get(customer_id)

    def contact_of(self, customer_id: str) -> Contact | None:
        found = self.rows.get(customer_id)
        return found.contact() if found is not None and found.erased_at is None else None


class FakeCustomerAddresses(FakeRepository[CustomerAddress]):
    entity = CustomerAddress
