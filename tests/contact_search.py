"""Who an order is for, set after it was placed through the API: the order API does not take
a customer, e-mail or phone yet (the lead's part of issue 15). One place to switch to the API
once it does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, update

from oms.db import tables
from oms.domain.events import utcnow


def give_contact(engine: Engine, order_id: str, **fields: Any) -> None:
    """``fields``: customer_id, email (kept lower case, as the service keeps it), phone,
    customer_name, locale."""
    if fields.get("email"):
        fields["email"] = fields["email"].lower()
    with engine.begin() as conn:
        done = conn.execute(
            update(tables.orders).where(tables.orders.c.id == order_id).values(**fields)
        )
        assert done.rowcount == 1, order_id


def add_customer(engine: Engine, customer_id: str, email: str) -> None:
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(tables.customers).values(
                id=customer_id, email=email.lower(), locale="en", created_at=now, updated_at=now
            )
        )
