"""Plain inputs of the returns rules, filled by the caller from its own records.

The rules never read a database: the DB/API layer loads an order's facts, the nodes that take
returns and the stock picture, and passes them in as these value objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oms.returns.policy import Channel, Method, Reason

WAREHOUSE = "warehouse"
STORE = "store"


@dataclass(frozen=True)
class OrderLineFacts:
    """One order line as the returns rules see it.

    `returned_qty` counts the units on every RMA of the line that is not cancelled (requested,
    in transit, received, refunded...), so that two open RMAs can never claim the same unit."""

    line_id: str
    sku: str
    qty: int
    delivered_qty: int
    returned_qty: int
    unit_price_minor: int
    final_sale: bool = False
    delivered_at: datetime | None = None  # None: the order's delivered_at applies

    @property
    def returnable_qty(self) -> int:
        return max(0, self.delivered_qty - self.returned_qty)


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    channel: Channel
    lines: tuple[OrderLineFacts, ...]
    delivered_at: datetime | None = None

    def delivered_at_of(self, line: OrderLineFacts) -> datetime | None:
        return line.delivered_at or self.delivered_at


@dataclass(frozen=True)
class RequestLine:
    line_id: str
    qty: int


@dataclass(frozen=True)
class ReturnRequest:
    """What the customer asks for; strings as received, checked by `check_return`."""

    lines: tuple[RequestLine, ...]
    reason: str
    method: str
    store: str | None = None


@dataclass(frozen=True)
class ReturnNode:
    """A node as returns see it: where it is, whether it takes returns, and its shipping terms
    (the contract's `shipment_cost` and `cost_per_km`, in major currency units)."""

    node_id: str
    kind: str  # "warehouse" | "store"
    lat: float
    lon: float
    accepts_returns: bool
    shipment_cost: float = 0.0
    cost_per_km: float = 0.0

    @property
    def is_dc(self) -> bool:
        return self.kind == WAREHOUSE


@dataclass(frozen=True)
class StockNeed:
    """A SKU at a node: units available to promise and the demand expected over the horizon
    the retailer plans restocks for. The node is short by max(0, expected_demand - atp)."""

    atp: int
    expected_demand: float

    @property
    def shortage(self) -> float:
        return max(0.0, self.expected_demand - self.atp)


NO_NEED = StockNeed(atp=0, expected_demand=0.0)


@dataclass(frozen=True)
class LineApproval:
    line_id: str
    sku: str
    qty: int
    unit_price_minor: int


@dataclass(frozen=True)
class ApprovedReturn:
    """A request that passed every eligibility rule: what the RMA is created from."""

    order_id: str
    lines: tuple[LineApproval, ...]
    reason: Reason
    method: Method
    store: str | None  # the drop-off store for in-store returns, None by mail
    purchase_channel: Channel

    @property
    def cross_channel(self) -> bool:
        """A web purchase brought to a store, or a store purchase sent by mail."""
        return (self.method is Method.IN_STORE) != (self.purchase_channel is Channel.STORE)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)
