"""Finding and scrubbing one person's data in the database (``oms.customers.gdpr``'s port).

Stored payloads are scrubbed where they are about the person's records: events of the
customer, their orders, reservations and returns; outbox rows and webhook deliveries under those
ordering keys (and the attempts of those deliveries); the orders' notifications. Each payload is
read, every personal string replaced wherever it stands in the JSON, and written back only when
it changed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from oms.customers.gdpr import Scope
from oms.db import tables as t
from oms.orders.model import Order, Reservation
from oms.returns.records import ReturnAuthorization


class SqlPersonalData:
    def __init__(self, session: Session) -> None:
        self.session = session

    def orders_of(self, customer_id: str, email: str) -> list[Order]:
        c = t.orders.c
        stmt = select(Order).where(or_(c.customer_id == customer_id, c.email == email))
        return list(self.session.scalars(stmt.order_by(c.created_at, c.id)))

    def reservations_of(self, customer_id: str, email: str) -> list[Reservation]:
        c = t.reservations.c
        stmt = select(Reservation).where(or_(c.customer_id == customer_id, c.email == email))
        return list(self.session.scalars(stmt.order_by(c.created_at, c.id)))

    def returns_of(self, order_ids: list[str]) -> list[ReturnAuthorization]:
        c = t.returns.c
        stmt = select(ReturnAuthorization).where(c.order_id.in_(order_ids))
        return list(self.session.scalars(stmt.order_by(c.created_at, c.id)))

    def scrub(self, scope: Scope, needles: list[str], replacement: str) -> int:
        self.session.flush()
        keys = [f"customer:{scope.customer_id}"]
        keys += [f"order:{o}" for o in scope.order_ids]
        keys += [f"reservation:{r}" for r in scope.reservation_ids]
        ids = [scope.customer_id, *scope.order_ids, *scope.reservation_ids, *scope.return_ids]
        deliveries = select(t.webhook_deliveries.c.id).where(
            t.webhook_deliveries.c.ordering_key.in_(keys)
        )
        targets: list[tuple[Table, str, Any]] = [
            (t.events, "payload", t.events.c.aggregate_id.in_(ids)),
            (t.outbox, "data", t.outbox.c.ordering_key.in_(keys)),
            (t.webhook_deliveries, "payload", t.webhook_deliveries.c.ordering_key.in_(keys)),
            (t.webhook_attempts, "error", t.webhook_attempts.c.delivery_id.in_(deliveries)),
            (t.notifications, "payload", t.notifications.c.order_id.in_(scope.order_ids)),
            (t.notifications, "recipient", t.notifications.c.order_id.in_(scope.order_ids)),
            (t.notifications, "last_error", t.notifications.c.order_id.in_(scope.order_ids)),
        ]
        return sum(
            self._scrub_column(table, column, where, needles, replacement)
            for table, column, where in targets
        )

    def _scrub_column(
        self, table: Table, column: str, where: Any, needles: list[str], replacement: str
    ) -> int:
        pk = next(iter(table.primary_key.columns))
        changed = 0
        for key, value in self.session.execute(select(pk, table.c[column]).where(where)):
            scrubbed = _replaced(value, needles, replacement)
            if scrubbed != value:
                self.session.execute(update(table).where(pk == key).values({column: scrubbed}))
                changed += 1
        return changed


def _replaced(value: Any, needles: list[str], replacement: str) -> Any:
    """``value`` with every needle replaced in every string, keys included; a string holding
    JSON (a webhook delivery's body) is scrubbed as text, which covers its JSON escapes of
    plain text."""
    if isinstance(value, str):
        for needle in needles:
            value = value.replace(needle, replacement)
            escaped = json.dumps(needle)[1:-1]
            if escaped != needle:
                value = value.replace(escaped, replacement)
        return value
    if isinstance(value, dict):
        return {
            _replaced(k, needles, replacement): _replaced(v, needles, replacement)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_replaced(v, needles, replacement) for v in value]
    return value
