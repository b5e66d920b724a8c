"""Queueing a message for the customer, in the transaction of the change that calls for it: the
notification row (to whom, in which language, the data its templates need) and the public event
that lets a retailer's CRM send it instead. What the message says is rendered when it is sent
(``oms.notifications.render``), so a broken template fails a send, never the change."""

from __future__ import annotations

from typing import Any

from oms.domain.contact import LOCALES
from oms.domain.events import NotificationQueued
from oms.notifications.model import (
    Notification,
    NotificationKind,
    NotificationStatus,
)
from oms.notifications.ports import LineFacts, NotificationsUnitOfWork, OrderFacts

NO_RECIPIENT = "no_recipient"


def queue(
    uow: NotificationsUnitOfWork,
    order: OrderFacts,
    kind: NotificationKind,
    data: dict[str, Any],
    default_locale: str,
) -> Notification:
    """Record the message owed and publish it; an order without an e-mail gets it recorded as
    skipped (and published all the same: a CRM may know another way to reach the customer)."""
    note = Notification(
        order_id=order.id,
        kind=kind.value,
        channel="email",
        payload={**about(uow, order), **data},
        recipient=order.email,
        locale=locale_of(uow, order, default_locale),
    )
    if note.recipient is None:
        note.status, note.last_error = NotificationStatus.SKIPPED, NO_RECIPIENT
    else:
        note.next_attempt_at = note.created_at
    uow.notifications.add(note)
    uow.emit(
        NotificationQueued(
            order_id=order.id,
            notification=note.key,
            kind=note.kind,
            channel=note.channel,
            recipient=note.recipient,
            locale=note.locale,
            status=note.status.value,
            data=note.payload,
        )
    )
    return note


def locale_of(uow: NotificationsUnitOfWork, order: OrderFacts, default: str) -> str:
    """The order's language, else its customer's, else the default; only languages that have
    templates count (``fr-FR`` is ``fr``)."""
    customer = uow.customers.find(order.customer_id) if order.customer_id else None
    for given in (order.locale, customer.locale if customer else None):
        language = (given or "").strip().lower()[:2]
        if language in LOCALES:
            return language
    return default


def about(uow: NotificationsUnitOfWork, order: OrderFacts) -> dict[str, Any]:
    """What every message of an order says: whose order it is and, for a pickup, the store."""
    data: dict[str, Any] = {
        "order_id": order.id,
        "customer_name": order.customer_name,
        "method": str(order.method),
        "currency": order.currency,
        "store": None,
    }
    if order.pickup_node is not None:
        node = uow.nodes.find(order.pickup_node)
        if node is not None:
            data["store"] = store_data(node.id, node.timezone, node.opens, node.closes)
    return data


def store_data(store_id: str, timezone: str, opens: str, closes: str) -> dict[str, str]:
    return {"id": store_id, "timezone": timezone, "opens": opens, "closes": closes}


def lines_data(uow: NotificationsUnitOfWork, lines: list[tuple[str, int, int]]) -> list[Any]:
    """``(sku, units, amount_minor)`` with each SKU's name, for the message's list of items."""
    return [
        {"sku": sku, "name": sku_name(uow, sku), "qty": units, "amount_minor": amount}
        for sku, units, amount in lines
    ]


def sku_name(uow: NotificationsUnitOfWork, sku_id: str) -> str:
    sku = uow.skus.find(sku_id)
    return sku.name if sku is not None else sku_id


def order_lines(
    uow: NotificationsUnitOfWork, order_id: str, only: list[str] | None = None
) -> list[LineFacts]:
    found = uow.order_lines.list_by(order_id=order_id, order_by="line_no")
    return [ln for ln in found if only is None or ln.id in only]
