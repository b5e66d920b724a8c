"""What the customers context needs of a unit of work: its customers and their addresses, and
the orders (to attach a guest's, to list and export a person's)."""

from __future__ import annotations

from typing import Protocol

from oms.customers.model import Customer, CustomerAddress
from oms.domain.ports import Repository, UnitOfWork
from oms.orders.model import Order


class Customers(Repository[Customer], Protocol):
    def find_by(
        self, *, email: str | None, phone: str | None, external_id: str | None
    ) -> list[Customer]:
        """Customers with the given e-mail (lower case), phone (normal) and/or external id,
        oldest first."""
        ...

    def save_unique(self, customer: Customer) -> None:
        """Written at once; ConflictError when another customer has its external id."""
        ...

    def get_for_update(self, customer_id: str) -> Customer: ...


class CustomersUnitOfWork(UnitOfWork, Protocol):
    @property
    def customers(self) -> Customers: ...

    @property
    def customer_addresses(self) -> Repository[CustomerAddress]: ...

    @property
    def orders(self) -> Repository[Order]: ...
