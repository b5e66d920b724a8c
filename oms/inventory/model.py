"""The network and the catalog as the services see them: nodes, SKUs and stock items.

Plain classes: ``oms/db/orm.py`` maps them to their tables. Stock levels change only through the
stock ledger (``uow.stock``), never by setting a stock item's counters by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oms.domain.events import utcnow


@dataclass(eq=False, kw_only=True)
class Node:
    """A fulfilment node; its sourcing fields are the contract's (oms/sourcing/contract.py)."""

    id: str
    kind: str
    lat: float
    lon: float
    can_ship: bool
    can_pickup: bool
    capacity_units: int | None = None  # None: no limit
    handling_cost: float
    shipment_cost: float
    cost_per_km: float
    timezone: str = "UTC"
    cutoff_time: str = "14:00"
    processing_days: int = 0
    open_days: str = "01234"  # weekdays the node works, Monday=0 ... Sunday=6
    holidays: list[Any] = field(default_factory=list)  # ISO dates
    opens: str = "09:00"
    closes: str = "18:00"
    pick_lead_minutes: int = 120
    enabled: bool = True
    created_at: datetime = field(default_factory=utcnow)
    # Store operations: the last units kept on the shelf for walk-in customers (the default
    # safety stock of the node's rows), days a ready pickup waits, returns accepted.
    store_protection: int = 0
    hold_days: int = 7
    accepts_returns: bool = False
    # Capacity controls (oms.stores.capacity): orders sourced to it per local day (None: no
    # limit), and a pause ("stop sending us orders"), until ``paused_until`` or switched back.
    daily_order_limit: int | None = None
    paused: bool = False
    paused_until: datetime | None = None

    def paused_at(self, now: datetime) -> bool:
        return self.paused and (self.paused_until is None or now < self.paused_until)


@dataclass(eq=False, kw_only=True)
class Sku:
    id: str
    name: str
    price_minor: int
    currency: str
    final_sale: bool = False


@dataclass(eq=False, kw_only=True)
class StockItem:
    """One SKU at one node: the one source of truth for stock (the ``inventory`` table)."""

    node_id: str
    sku_id: str
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0
    version: int = 0
    bin_location: str | None = None  # where pickers find it
