"""The stock ledger in memory, keeping the real one's promises: inputs checked by the same
rules, multi-row moves all or nothing, every short row reported, a StockChanged per change."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from oms.domain.events import DomainEvent, StockChange, StockChanged
from oms.inventory.atp import Shortfall, StockLevel, atp
from oms.inventory.checks import check_adjust, check_positive, check_set, checked_rows
from oms.inventory.errors import (
    InsufficientStock,
    NotReserved,
    StockBelowReserved,
    UnknownNode,
    UnknownSku,
)
from oms.inventory.model import Node, Sku, StockItem
from oms.inventory.ports import Rows


class FakeStockLedger:
    def __init__(
        self,
        nodes: Callable[[], dict[object, Node]],
        skus: Callable[[], dict[object, Sku]],
        emit: Callable[[DomainEvent], None],
    ) -> None:
        self.items: dict[tuple[str, str], StockItem] = {}
        self._nodes, self._skus, self._emit = nodes, skus, emit

    # ------------------------------------------------------------ reads

    def levels(self, node_id: str, sku_id: str) -> StockLevel | None:
        item = self.items.get((node_id, sku_id))
        return None if item is None else _level(item)

    def item(self, node_id: str, sku_id: str) -> StockItem | None:
        return self.items.get((node_id, sku_id))

    def items_of(self, sku_id: str) -> list[StockItem]:
        return [i for (_, s), i in sorted(self.items.items()) if s == sku_id]

    def set_bin(self, node_id: str, sku_id: str, bin_location: str) -> None:
        item = self.items.get((node_id, sku_id))
        if item is None:
            raise UnknownSku(sku_id)
        item.bin_location = bin_location

    def available(
        self,
        sku_ids: Iterable[str],
        node_ids: Iterable[str] | None = None,
        *,
        enabled_only: bool = True,
    ) -> dict[tuple[str, str], int]:
        skus, nodes = set(sku_ids), None if node_ids is None else set(node_ids)
        known = self._nodes()
        found = {}
        for (n, s), item in self.items.items():
            node = known.get(n)
            if s not in skus or (nodes is not None and n not in nodes) or node is None:
                continue
            if enabled_only and not node.enabled:
                continue
            found[(n, s)] = _level(item).atp
        return found

    def atp_versions(self, sku_ids: Sequence[str]) -> dict[tuple[str, str], tuple[int, int]]:
        wanted = set(sku_ids)
        return {
            key: (_level(item).atp, item.version)
            for key, item in self.items.items()
            if key[1] in wanted
        }

    def reserved_by_node(self) -> dict[str, int]:
        held: dict[str, int] = {}
        for (n, _), item in self.items.items():
            held[n] = held.get(n, 0) + item.reserved
        return held

    # ------------------------------------------------------------ single rows

    def set_stock(
        self,
        node_id: str,
        sku_id: str,
        *,
        on_hand: int | None = None,
        safety_stock: int | None = None,
    ) -> StockLevel:
        check_set(on_hand, safety_stock)
        item = self._ensure(node_id, sku_id)
        if on_hand is not None and on_hand < item.reserved:
            raise StockBelowReserved(node_id, sku_id, on_hand, item.reserved)
        previous = {"on_hand": item.on_hand, "safety_stock": item.safety_stock}
        if on_hand is not None:
            item.on_hand = on_hand
        if safety_stock is not None:
            item.safety_stock = safety_stock
        return self._changed(StockChange.SET, item, previous=previous)

    def receive(self, node_id: str, sku_id: str, qty: int, *, ref: str | None = None) -> StockLevel:
        check_positive("qty", qty)
        item = self._ensure(node_id, sku_id)
        item.on_hand += qty
        return self._changed(StockChange.RECEIVED, item, qty=qty, ref=ref)

    def adjust(self, node_id: str, sku_id: str, delta: int, reason: str) -> StockLevel:
        check_adjust(delta, reason)
        item = self.items.get((node_id, sku_id))
        if delta < 0 and (item is None or item.on_hand + delta < item.reserved):
            on_hand, reserved = (item.on_hand, item.reserved) if item else (0, 0)
            raise StockBelowReserved(node_id, sku_id, on_hand + delta, reserved)
        item = item or self._ensure(node_id, sku_id)
        item.on_hand += delta
        return self._changed(StockChange.ADJUSTED, item, delta=delta, reason=reason)

    # ------------------------------------------------------------ moves of several rows

    def hold(self, rows: Rows, *, ref: str | None = None) -> list[Shortfall]:
        return self._move(StockChange.RESERVED, rows, ref)

    def hold_or_raise(self, rows: Rows, *, ref: str | None = None) -> None:
        short = self.hold(rows, ref=ref)
        if short:
            raise InsufficientStock(short)

    def release(self, rows: Rows, *, ref: str | None = None) -> None:
        short = self._move(StockChange.RELEASED, rows, ref)
        if short:
            raise NotReserved(short)

    def move(self, release: Rows, hold: Rows, *, ref: str | None = None) -> list[Shortfall]:
        """As the database's: releases then holds, all or nothing (the fake has no locks)."""
        released = checked_rows(release) if release else []
        self.release(released, ref=ref)
        short = self.hold(hold, ref=ref) if hold else []
        if short:
            for row in released:  # put the released units back: nothing changed
                self.items[(row.node_id, row.sku_id)].reserved += row.qty
        return short

    def commit_shipment(self, rows: Rows, *, ref: str | None = None) -> None:
        short = self._move(StockChange.SHIPPED, rows, ref)
        if short:
            raise NotReserved(short)

    def _move(self, change: StockChange, rows: Rows, ref: str | None) -> list[Shortfall]:
        merged = checked_rows(rows)
        short = []
        for row in merged:
            item = self.items.get((row.node_id, row.sku_id))
            if item is None:
                self._require_catalog(row.node_id, row.sku_id)
            level = _level(item) if item else None
            room = (
                0
                if level is None
                else (level.atp if change is StockChange.RESERVED else level.reserved)
            )
            if row.qty > room:
                short.append(Shortfall(row.node_id, row.sku_id, row.qty, room))
        if short:
            return short
        for row in merged:
            item = self.items[(row.node_id, row.sku_id)]
            if change is StockChange.RESERVED:
                item.reserved += row.qty
            elif change is StockChange.RELEASED:
                item.reserved -= row.qty
            else:
                item.reserved -= row.qty
                item.on_hand -= row.qty
            self._changed(change, item, qty=row.qty, ref=ref)
        return []

    # ------------------------------------------------------------ helpers

    def _require_catalog(self, node_id: str, sku_id: str) -> None:
        if node_id not in self._nodes():
            raise UnknownNode(node_id)
        if sku_id not in self._skus():
            raise UnknownSku(sku_id)

    def _ensure(self, node_id: str, sku_id: str) -> StockItem:
        item = self.items.get((node_id, sku_id))
        if item is None:
            self._require_catalog(node_id, sku_id)
            protect = self._nodes()[node_id].store_protection
            item = self.items[(node_id, sku_id)] = StockItem(
                node_id=node_id, sku_id=sku_id, safety_stock=protect
            )
        return item

    def _changed(self, change: StockChange, item: StockItem, **details: object) -> StockLevel:
        item.version += 1
        level = _level(item)
        self._emit(
            StockChanged(
                change=change,
                node_id=item.node_id,
                sku_id=item.sku_id,
                on_hand=level.on_hand,
                reserved=level.reserved,
                safety_stock=level.safety_stock,
                atp=level.atp,
                details=dict(details),
            )
        )
        return level


def _level(item: StockItem) -> StockLevel:
    return StockLevel(item.on_hand, item.reserved, item.safety_stock)


__all__ = ["FakeStockLedger", "atp"]
