"""Types of the sourcing contract (DESIGN.md section 3): a problem and a plan as arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

CONTRACT_VERSION = 1
# Stands for "no limit" in integer arrays (capacity, max_shipments); large, yet safe to add to.
NO_LIMIT = 2**62

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Settings:
    split_penalty: float
    unfilled_penalty: float
    allow_transfers: bool


@dataclass(frozen=True)
class Nodes:
    ids: list[str]
    kind: list[str]
    lat: F64
    lon: F64
    can_ship: B
    can_pickup: B
    capacity: I64  # NO_LIMIT where the contract says null
    handling_cost: F64
    shipment_cost: F64
    cost_per_km: F64
    index: dict[str, int] = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Orders:
    ids: list[str]
    lat: F64
    lon: F64
    is_pickup: B
    pickup_node: I64  # -1 for ship orders
    max_shipments: I64  # NO_LIMIT where null
    dest_lat: F64  # the order's destination: its address, or its pickup node
    dest_lon: F64
    line_start: I64  # lines of order o are line_start[o]:line_start[o + 1]
    line_ids: list[str]
    line_sku: I64
    line_qty: I64
    line_order: I64

    def __len__(self) -> int:
        return len(self.ids)

    def lines_of(self, order: int) -> range:
        return range(int(self.line_start[order]), int(self.line_start[order + 1]))


@dataclass(frozen=True)
class Problem:
    settings: Settings
    nodes: Nodes
    sku_ids: list[str]
    sku_index: dict[str, int]
    stock: I64  # [sku, node]: each SKU's row is contiguous over nodes
    orders: Orders


@dataclass(frozen=True)
class Allocations:
    """Units of a line (global line index) taken at a node."""

    order: I64
    line: I64
    node: I64
    qty: I64

    def __len__(self) -> int:
        return len(self.qty)

    @staticmethod
    def empty() -> Allocations:
        z = np.zeros(0, dtype=np.int64)
        return Allocations(z, z.copy(), z.copy(), z.copy())

    @staticmethod
    def from_rows(rows: list[tuple[int, int, int, int]]) -> Allocations:
        """Rows of (order, line, node, qty)."""
        a = np.array(rows, dtype=np.int64).reshape(-1, 4)
        return Allocations(*(np.ascontiguousarray(a[:, k]) for k in range(4)))

    @staticmethod
    def concat(pieces: list[Allocations]) -> Allocations:
        """The rows of every piece, in order."""
        kept = [p for p in pieces if len(p)] or [Allocations.empty()]
        fields = ("order", "line", "node", "qty")
        return Allocations(*(np.concatenate([getattr(p, f) for p in kept]) for f in fields))


@dataclass(frozen=True)
class CostBreakdown:
    total: float
    shipping: float
    handling: float
    split: float
    unfilled: float


@dataclass(frozen=True)
class Plan:
    allocations: Allocations
    cost: CostBreakdown
    unfilled_qty: I64  # per line
    shipments: I64  # per order
    status: str  # optimal | feasible | heuristic
    mode: str  # online | wave
    lower_bound: float | None = None
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
