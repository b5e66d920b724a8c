"""Nodes, SKUs and stock as the ops API manages them. Runs inside the caller's unit of work;
stock changes go through the ledger, every change writes an event in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oms.db import legacy_events
from oms.db.changes import nodes_changed
from oms.domain.errors import ConflictError
from oms.domain.events import Aggregate
from oms.inventory.atp import atp
from oms.inventory.errors import UnknownNode, UnknownSku
from oms.inventory.model import Node, Sku, StockItem
from oms.promise.nodes import CALENDAR_FIELDS, node_calendar


@dataclass(frozen=True)
class StockView:
    node: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int


def add_node(session: Session, fields: dict[str, Any]) -> Node:
    node_id = fields["id"]
    if session.get(Node, node_id) is not None:
        raise ConflictError(f'node "{node_id}" already exists')
    node = Node(**fields)
    session.add(node)
    session.flush()
    nodes_changed(session)
    legacy_events.record(session, "NodeAdded", Aggregate.NODE, node_id, _jsonable(fields))
    return node


def update_node(session: Session, node_id: str, changes: dict[str, Any]) -> Node:
    """Correct a node's fields (any but its id). The calendar is checked by the rule that loads
    the network before anything is written, so a node that loads keeps loading."""
    node = get_node(session, node_id)
    merged = {name: getattr(node, name) for name in CALENDAR_FIELDS} | changes
    node_calendar({name: merged[name] for name in CALENDAR_FIELDS})  # ValidationError
    for name, value in changes.items():
        setattr(node, name, value)
    session.flush()
    nodes_changed(session)
    legacy_events.record(session, "NodeUpdated", Aggregate.NODE, node_id, _jsonable(changes))
    return node


def list_nodes(session: Session) -> list[Node]:
    return list(session.scalars(select(Node).order_by(Node.id)))


def get_node(session: Session, node_id: str) -> Node:
    node = session.get(Node, node_id)
    if node is None:
        raise UnknownNode(node_id)
    return node


def set_node_enabled(session: Session, node_id: str, enabled: bool) -> Node:
    """Disable a node in an outage: sourcing skips it until it is enabled again."""
    node = get_node(session, node_id)
    node.enabled = enabled
    nodes_changed(session)
    legacy_events.record(
        session, "NodeEnabled" if enabled else "NodeDisabled", Aggregate.NODE, node_id, {}
    )
    return node


def put_sku(
    session: Session, sku_id: str, *, name: str, price_minor: int, currency: str, final_sale: bool
) -> Sku:
    sku = session.get(Sku, sku_id)
    values = {
        "name": name,
        "price_minor": price_minor,
        "currency": currency,
        "final_sale": final_sale,
    }
    if sku is None:
        sku = Sku(id=sku_id, **values)
        session.add(sku)
    else:
        for key, value in values.items():
            setattr(sku, key, value)
    session.flush()
    legacy_events.record(session, "SkuPut", Aggregate.SKU, sku_id, values)
    return sku


def set_bin(session: Session, node_id: str, sku_id: str, bin_location: str) -> None:
    """Where pickers find the SKU at the node (the row exists: set_stock made it)."""
    row = session.get(StockItem, (node_id, sku_id))
    if row is None:
        raise UnknownSku(sku_id)
    row.bin_location = bin_location


def stock_of(session: Session, sku_id: str) -> list[StockView]:
    if session.get(Sku, sku_id) is None:
        raise UnknownSku(sku_id)
    rows = session.scalars(
        select(StockItem).where(StockItem.sku_id == sku_id).order_by(StockItem.node_id)
    )
    return [
        StockView(
            r.node_id,
            r.on_hand,
            r.reserved,
            r.safety_stock,
            atp(r.on_hand, r.reserved, r.safety_stock),
        )
        for r in rows
    ]


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (str(v) if not isinstance(v, int | float | str | bool | None | list) else v)
        for k, v in fields.items()
    }
