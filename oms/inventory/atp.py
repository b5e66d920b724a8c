"""Available-to-promise and the arithmetic of holds: pure rules, no database.

ATP = on_hand - reserved - safety_stock, never below zero. Safety stock is a buffer the promise
keeps back (shrinkage, counting error), so it lowers what may be held but never what may ship.
The ledger (oms/db/ledger.py) applies the same rule inside its conditional SQL updates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from oms.domain.limits import MAX_UNITS


def atp(on_hand: int, reserved: int, safety_stock: int) -> int:
    """Units that may still be promised from one stock item."""
    return max(0, on_hand - reserved - safety_stock)


@dataclass(frozen=True, slots=True)
class StockLevel:
    """One inventory row (a SKU at a node)."""

    on_hand: int
    reserved: int
    safety_stock: int

    @property
    def atp(self) -> int:
        return atp(self.on_hand, self.reserved, self.safety_stock)


class StockRow(NamedTuple):
    """A quantity of a SKU at a node: what hold, release and commit_shipment take."""

    node_id: str
    sku_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A row that could not be applied: ``available`` is what the row had at that moment
    (ATP for a hold, the reserved quantity for a release or a shipment)."""

    node_id: str
    sku_id: str
    requested: int
    available: int

    @property
    def missing(self) -> int:
        return self.requested - self.available


def is_quantity(value: object) -> bool:
    """A whole number of units within what a stock row holds (bool is an int in Python, but
    never a quantity)."""
    return (
        isinstance(value, int) and not isinstance(value, bool) and -MAX_UNITS <= value <= MAX_UNITS
    )


def merge_rows(rows: Iterable[tuple[str, str, int]]) -> list[StockRow]:
    """Sum duplicate (node, sku) rows and sort them by (node_id, sku_id).

    The sort is the lock order: every transaction that touches several inventory rows takes
    them in primary-key order, so two transactions never wait on each other in a cycle."""
    merged: dict[tuple[str, str], int] = {}
    for node_id, sku_id, qty in rows:
        merged[(node_id, sku_id)] = merged.get((node_id, sku_id), 0) + qty
    return [StockRow(n, s, q) for (n, s), q in sorted(merged.items())]
