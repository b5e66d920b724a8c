"""Who an order is for, set in the database until the API takes it on the order (the lead's
part of issue 15): one place to switch to ``POST /v1/orders`` with ``email`` later."""

from __future__ import annotations

from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine

from oms.db import tables


def give_contact(
    engine_or_url: Engine | str,
    order_id: str,
    *,
    email: str | None = None,
    locale: str | None = None,
    customer_id: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> None:
    engine = create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    values = {
        "email": email.lower() if email else None,
        "locale": locale,
        "customer_id": customer_id,
        "phone": phone,
        "customer_name": name,
    }
    with engine.begin() as conn:
        conn.execute(
            update(tables.orders)
            .where(tables.orders.c.id == order_id)
            .values({k: v for k, v in values.items() if v is not None})
        )
    if isinstance(engine_or_url, str):
        engine.dispose()
