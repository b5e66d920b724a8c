"""Who an order is for, set after the order was created through the API (the notification
tests' one helper: until OrderIn takes the customer's e-mail and locale, this writes them
directly; switch it to the API in this one place)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, update

from oms.db import tables


def give_contact(
    engine: Engine,
    order_id: str,
    *,
    email: str | None = None,
    locale: str | None = None,
    customer_id: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> None:
    values: dict[str, Any] = {"email": email, "locale": locale, "customer_id": customer_id}
    values |= {"phone": phone, "customer_name": name}
    with engine.begin() as conn:
        conn.execute(update(tables.orders).where(tables.orders.c.id == order_id).values(values))
