"""Nodes, SKUs and stock as the ops API manages them, on the unit of work.

Commands (``add_node``, ``put_sku``, ``set_stock``...) commit and return what the caller shows.
The ``stage_*`` steps write in the caller's transaction without committing (the seed loads a
whole network in one). Stock changes go through the ledger (``uow.stock``); every change raises
an event in the same transaction, and a node event tells the in-memory network (a handler).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from oms.catalog.ports import CatalogUnitOfWork
from oms.domain.errors import ConflictError
from oms.domain.events import NodeAdded, NodeDisabled, NodeEnabled, NodeUpdated, SkuPut
from oms.domain.ports import committed
from oms.inventory.atp import StockLevel
from oms.inventory.model import Node, Sku
from oms.promise.nodes import CALENDAR_FIELDS, node_calendar


@dataclass(frozen=True)
class StockView:
    """One SKU at one node: its levels and what may be promised (ATP)."""

    node: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int

    @classmethod
    def of(cls, node_id: str, level: StockLevel) -> StockView:
        return cls(node_id, level.on_hand, level.reserved, level.safety_stock, level.atp)


@dataclass(frozen=True)
class SkuStock:
    """A SKU's stock at every node that has a row for it, and its total available."""

    sku: str
    nodes: list[StockView]
    available: int


# ------------------------------------------------------------------------ nodes


def list_nodes(uow: CatalogUnitOfWork) -> list[Node]:
    return uow.nodes.list_by(order_by="id")


def get_node(uow: CatalogUnitOfWork, node_id: str) -> Node:
    return uow.nodes.get(node_id)  # UnknownNode


def add_node(uow: CatalogUnitOfWork, fields: Mapping[str, Any]) -> Node:
    node = stage_node(uow, fields)
    uow.commit()
    return node


def stage_node(uow: CatalogUnitOfWork, fields: Mapping[str, Any]) -> Node:
    """A new node, written at once (rows that name it may follow), not committed."""
    node_id = fields["id"]
    if uow.nodes.find(node_id) is not None:
        raise ConflictError(f'node "{node_id}" already exists')
    node = Node(**fields)
    check_calendar(_calendar_fields(node))
    uow.nodes.add_now(node)
    uow.emit(NodeAdded(node_id=node_id, fields=_jsonable(fields)))
    return node


def update_node(uow: CatalogUnitOfWork, node_id: str, changes: Mapping[str, Any]) -> Node:
    """Correct a node's fields (any but its id). The calendar is checked by the rule that loads
    the network before anything is written, so a node that loads keeps loading."""
    node = get_node(uow, node_id)
    check_calendar(_calendar_fields(node) | dict(changes))
    for name, value in changes.items():
        setattr(node, name, value)
    uow.emit(NodeUpdated(node_id=node_id, changes=_jsonable(changes)))
    uow.commit()
    return node


def set_node_enabled(uow: CatalogUnitOfWork, node_id: str, enabled: bool) -> Node:
    """Disable a node in an outage: sourcing skips it until it is enabled again."""
    node = get_node(uow, node_id)
    node.enabled = enabled
    uow.emit(NodeEnabled(node_id=node_id) if enabled else NodeDisabled(node_id=node_id))
    uow.commit()
    return node


def check_calendar(fields: Mapping[str, Any]) -> None:
    """ValidationError naming each calendar field the network could not load."""
    node_calendar({name: fields[name] for name in CALENDAR_FIELDS})


def _calendar_fields(node: Node) -> dict[str, Any]:
    return {name: getattr(node, name) for name in CALENDAR_FIELDS}


# ------------------------------------------------------------------------ SKUs


def stage_sku(
    uow: CatalogUnitOfWork,
    sku_id: str,
    *,
    name: str,
    price_minor: int,
    currency: str,
    final_sale: bool,
) -> Sku:
    """Create the SKU, or replace its fields (PUT), not committed."""
    values: dict[str, Any] = {
        "name": name,
        "price_minor": price_minor,
        "currency": currency,
        "final_sale": final_sale,
    }
    sku = uow.skus.find(sku_id)
    if sku is None:
        sku = Sku(id=sku_id, **values)
        uow.skus.add(sku)
    else:
        for key, value in values.items():
            setattr(sku, key, value)
    uow.emit(SkuPut(sku_id=sku_id, values=values))
    return sku


# ------------------------------------------------------------------------ stock


# Create the SKU, or replace its fields (PUT), committed.
put_sku = committed(stage_sku)


def stock_of(uow: CatalogUnitOfWork, sku_id: str) -> SkuStock:
    """The SKU's stock at every node, by node id; UnknownSku if there is no such SKU."""
    uow.skus.get(sku_id)
    rows = [
        StockView.of(r.node_id, StockLevel(r.on_hand, r.reserved, r.safety_stock))
        for r in uow.stock.items_of(sku_id)
    ]
    return SkuStock(sku_id, rows, sum(r.available for r in rows))


def set_stock(
    uow: CatalogUnitOfWork,
    node_id: str,
    sku_id: str,
    *,
    on_hand: int | None = None,
    safety_stock: int | None = None,
    bin_location: str | None = None,
) -> StockView:
    """PUT semantics: the counted on_hand and/or the safety stock, and where pickers find it.
    An on_hand below what is reserved is refused (StockBelowReserved): those units are promised."""
    level = uow.stock.set_stock(node_id, sku_id, on_hand=on_hand, safety_stock=safety_stock)
    if bin_location is not None:
        uow.stock.set_bin(node_id, sku_id, bin_location)
    uow.commit()
    return StockView.of(node_id, level)


def receive_stock(
    uow: CatalogUnitOfWork, node_id: str, sku_id: str, qty: int, *, ref: str | None = None
) -> StockView:
    """Goods in: on_hand += qty."""
    level = uow.stock.receive(node_id, sku_id, qty, ref=ref)
    uow.commit()
    return StockView.of(node_id, level)


def adjust_stock(
    uow: CatalogUnitOfWork, node_id: str, sku_id: str, delta: int, reason: str
) -> StockView:
    """A counted correction (damage, shrinkage, found stock), never below what is reserved."""
    level = uow.stock.adjust(node_id, sku_id, delta, reason)
    uow.commit()
    return StockView.of(node_id, level)


def _jsonable(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields as the event log stores them (the API sends JSON already; dates as text)."""
    return {
        k: (str(v) if not isinstance(v, int | float | str | bool | None | list) else v)
        for k, v in fields.items()
    }
