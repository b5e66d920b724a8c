"""Domain events: what happened, in the past tense, raised by the code that changed the state.

Each event is recorded in the event log (the ``events`` table) in the same transaction as the
change, then handed to the message bus (``oms.domain.bus``), whose handlers are how one context
reacts to another. An event's ``name`` is its type in the log; its ``payload`` is every field but
the aggregate's id, so the stored history reads as it always has.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar


class Aggregate(StrEnum):
    """What an event is about (events.aggregate)."""

    ORDER = "order"
    RESERVATION = "reservation"
    INVENTORY = "inventory"
    NODE = "node"
    SKU = "sku"
    SHIPMENT = "shipment"
    PICK = "pick"
    RETURN = "return"
    CUSTOMER = "customer"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False, kw_only=True)
class EventRecord:
    """One row of the history as stored (what ``EventLog.history`` reads back)."""

    type: str
    aggregate: Aggregate
    aggregate_id: str
    payload: Any
    occurred_at: datetime = field(default_factory=utcnow)
    id: int | None = None


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event. ``key`` names the field that holds the aggregate's id; ``renamed``
    maps a field to its key in the stored payload where Python cannot spell it (``return``)."""

    aggregate: ClassVar[Aggregate] = Aggregate.ORDER
    key: ClassVar[str] = "order_id"
    renamed: ClassVar[dict[str, str]] = {}

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def aggregate_id(self) -> str:
        value: str = getattr(self, self.key)
        return value

    def payload(self) -> dict[str, Any]:
        return {
            self.renamed.get(f.name, f.name): getattr(self, f.name)
            for f in fields(self)
            if f.name != self.key
        }

    def also_recorded_on(self) -> tuple[tuple[Aggregate, str], ...]:
        """Other histories that keep the same row (a return's event is on its order's history
        and on the return's own)."""
        return ()


# ------------------------------------------------------------------------ orders


@dataclass(frozen=True, kw_only=True)
class OrderCreated(DomainEvent):
    order_id: str
    reservation: str
    channel: str
    service: str


@dataclass(frozen=True, kw_only=True)
class Sourced(DomainEvent):
    """An order's units were placed: ``allocations`` is ``[[sku, node, qty], ...]``."""

    order_id: str
    allocations: list[list[Any]]


@dataclass(frozen=True, kw_only=True)
class Resourced(DomainEvent):
    """Units of an order placed again, at ``node``, in ``shipment`` (a new one, or for
    ``reason`` "reoptimised" possibly one it had there). ``reason``: why they moved ("short
    pick", "stock sync", "reoptimised"; null in events written before it existed)."""

    order_id: str
    lines: dict[str, int]
    node: str
    shipment: str
    promised_at: str | None
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(DomainEvent):
    order_id: str
    lines: list[str]
    released: list[list[Any]]


@dataclass(frozen=True, kw_only=True)
class LinesCancelled(DomainEvent):
    """Some lines of an order cancelled; the order goes on with the others."""

    order_id: str
    lines: list[str]
    released: list[list[Any]]


@dataclass(frozen=True, kw_only=True)
class LineShort(DomainEvent):
    """Units of a line that no node could supply after a short pick: cancelled and refunded."""

    order_id: str
    line: str
    units: int
    refund_minor: int


# ------------------------------------------------------------------------ stores


@dataclass(frozen=True, kw_only=True)
class PickReleased(DomainEvent):
    order_id: str
    pick: str
    node: str
    shipment: str


@dataclass(frozen=True, kw_only=True)
class Picked(DomainEvent):
    """A pick confirmed: ``lines`` maps each order line to the units found."""

    order_id: str
    pick: str
    node: str
    lines: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class ShortPicked(DomainEvent):
    """Units of a line not found at the pick's store (the allocation already shrank)."""

    order_id: str
    pick: str
    line: str
    node: str
    missing: int


@dataclass(frozen=True, kw_only=True)
class ReadyForPickup(DomainEvent):
    order_id: str
    store: str
    ready_at: str
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class Collected(DomainEvent):
    order_id: str
    store: str


@dataclass(frozen=True, kw_only=True)
class PickupExpired(DomainEvent):
    order_id: str
    released: list[list[Any]]
    refunds: list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class Shipped(DomainEvent):
    order_id: str
    shipment: str
    tracking: str


@dataclass(frozen=True, kw_only=True)
class Delivered(DomainEvent):
    order_id: str
    shipment: str


# ------------------------------------------------------------------------ reservations


@dataclass(frozen=True, kw_only=True)
class ReservationEvent(DomainEvent):
    aggregate: ClassVar[Aggregate] = Aggregate.RESERVATION
    key: ClassVar[str] = "reservation_id"


@dataclass(frozen=True, kw_only=True)
class Reserved(ReservationEvent):
    """Units held for a checkout: ``rows`` is ``[[node, sku, qty], ...]``."""

    reservation_id: str
    rows: list[list[Any]]
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class ReservationResourced(ReservationEvent):
    """Units held at nodes disabled since were held elsewhere."""

    reservation_id: str
    disabled: list[str]


@dataclass(frozen=True, kw_only=True)
class ReservationMoved(ReservationEvent):
    """A stock sync set ``node``'s on_hand of ``sku`` below what was reserved there: ``units``
    of this reservation left it, ``moved`` (``[[node, qty], ...]``) were held elsewhere and
    ``short`` units could be held nowhere (the hold shrank by them)."""

    reservation_id: str
    node: str
    sku: str
    units: int
    moved: list[list[Any]]
    short: int


@dataclass(frozen=True, kw_only=True)
class ReservationExpired(ReservationEvent):
    reservation_id: str
    rows: list[list[Any]]


@dataclass(frozen=True, kw_only=True)
class ReservationReleased(ReservationEvent):
    reservation_id: str
    rows: list[list[Any]]


# ------------------------------------------------------------------------ returns


@dataclass(frozen=True, kw_only=True)
class ReturnEvent(DomainEvent):
    """Something that happened to a return: raised once, recorded on its order's history and
    on the return's own (the same name and payload).

    The payload is ``{"return": id, "status": the return's status then, ...the event's}``."""

    renamed: ClassVar[dict[str, str]] = {"return_id": "return"}

    order_id: str
    return_id: str
    status: str

    def also_recorded_on(self) -> tuple[tuple[Aggregate, str], ...]:
        return ((Aggregate.RETURN, self.return_id),)


@dataclass(frozen=True, kw_only=True)
class ReturnRequested(ReturnEvent):
    destination: str  # the node the units come back to: routed (mail) or the drop-off store
    units: int


@dataclass(frozen=True, kw_only=True)
class ReturnReceived(ReturnEvent):
    """``lines`` maps each order line of the return to its disposition."""

    lines: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class Restocked(ReturnEvent):
    """Received units back on sale at once: ``rows`` is ``[[node, sku, qty], ...]``."""

    rows: list[list[Any]]


@dataclass(frozen=True, kw_only=True)
class Refunded(ReturnEvent):
    """``amount_minor`` is the return's whole refund, ``shipping_minor`` the part of it that
    gives the order's shipping back."""

    amount_minor: int
    shipping_minor: int


@dataclass(frozen=True, kw_only=True)
class Exchanged(ReturnEvent):
    """The credit paid for a new order (stored as ``order``); what it leaves is refunded."""

    renamed: ClassVar[dict[str, str]] = {"return_id": "return", "new_order_id": "order"}

    new_order_id: str
    credit_minor: int
    replacement_minor: int
    balance_due_minor: int


# ------------------------------------------------------------------------ catalog and stock


@dataclass(frozen=True, kw_only=True)
class NodeEvent(DomainEvent):
    aggregate: ClassVar[Aggregate] = Aggregate.NODE
    key: ClassVar[str] = "node_id"

    node_id: str


@dataclass(frozen=True, kw_only=True)
class NodeAdded(NodeEvent):
    fields: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return dict(self.fields)


@dataclass(frozen=True, kw_only=True)
class NodeUpdated(NodeEvent):
    changes: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return dict(self.changes)


@dataclass(frozen=True, kw_only=True)
class NodeEnabled(NodeEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class NodeDisabled(NodeEvent):
    pass


@dataclass(frozen=True, kw_only=True)
class SkuPut(DomainEvent):
    aggregate: ClassVar[Aggregate] = Aggregate.SKU
    key: ClassVar[str] = "sku_id"

    sku_id: str
    values: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return dict(self.values)


class StockChange(StrEnum):
    """How a stock item changed: the event's name in the log."""

    SET = "StockSet"
    RECEIVED = "StockReceived"
    ADJUSTED = "StockAdjusted"
    RESERVED = "StockReserved"
    RELEASED = "StockReleased"
    SHIPPED = "StockShipped"
    SYNCED = "StockSynced"  # set by a bulk sync (POST /v1/inventory/sync)


def stock_key(node_id: str, sku_id: str) -> str:
    """The aggregate id of one stock item in the event log."""
    return f"{node_id}/{sku_id}"


@dataclass(frozen=True, kw_only=True)
class StockChanged(DomainEvent):
    """One stock item after a change: its levels, and what changed them (``details``: qty,
    ref, delta, reason, previous). Named in the log by ``change`` (``StockReserved``...)."""

    aggregate: ClassVar[Aggregate] = Aggregate.INVENTORY
    key: ClassVar[str] = "item"

    change: StockChange
    node_id: str
    sku_id: str
    on_hand: int
    reserved: int
    safety_stock: int
    atp: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.change.value

    @property
    def aggregate_id(self) -> str:
        return stock_key(self.node_id, self.sku_id)

    def payload(self) -> dict[str, Any]:
        levels = {"on_hand": self.on_hand, "reserved": self.reserved}
        levels |= {"safety_stock": self.safety_stock, "atp": self.atp}
        return {"node_id": self.node_id, "sku_id": self.sku_id, **self.details, **levels}


# ------------------------------------------------------------------------ customers
# Payloads name the person by id only: what the events log keeps of them is erasable by
# pseudonymising the customer row and the orders' snapshots (oms/customers/gdpr.py).


@dataclass(frozen=True, kw_only=True)
class CustomerEvent(DomainEvent):
    aggregate: ClassVar[Aggregate] = Aggregate.CUSTOMER
    key: ClassVar[str] = "customer_id"

    customer_id: str


@dataclass(frozen=True, kw_only=True)
class CustomerCreated(CustomerEvent):
    locale: str


@dataclass(frozen=True, kw_only=True)
class CustomerUpdated(CustomerEvent):
    """``fields``: the names of the fields that changed (not their values)."""

    fields: list[str]


@dataclass(frozen=True, kw_only=True)
class CustomerAddressAdded(CustomerEvent):
    address_id: str
    country: str


@dataclass(frozen=True, kw_only=True)
class OrderAttached(CustomerEvent):
    """A guest order now belongs to the customer (also on the order's history)."""

    order_id: str

    def also_recorded_on(self) -> tuple[tuple[Aggregate, str], ...]:
        return ((Aggregate.ORDER, self.order_id),)


@dataclass(frozen=True, kw_only=True)
class CustomerErased(CustomerEvent):
    """The person's data was pseudonymised everywhere; ``orders``: the orders it touched."""

    orders: list[str]


# ------------------------------------------------------------------------ tracking


@dataclass(frozen=True, kw_only=True)
class ShipmentTracked(DomainEvent):
    """A carrier integration appended an entry to a shipment's tracking history: ``status``
    is the entry's, ``tracking_status`` the shipment's after it (the entry may be late and
    not move it). The entries the OMS writes for its own events (Shipped, Delivered...) raise
    no second event: their cause is published already."""

    order_id: str
    shipment: str
    status: str
    occurred_at: str
    tracking_status: str | None
    carrier_event_id: str | None
    location: str | None
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None


# ------------------------------------------------------------------------ notifications


@dataclass(frozen=True, kw_only=True)
class PickupReminded(DomainEvent):
    """The pickup hold of a ready order ends soon: its customer is reminded, once."""

    order_id: str
    store: str
    expires_at: str


@dataclass(frozen=True, kw_only=True)
class NotificationQueued(DomainEvent):
    """A message owed to the customer, recorded with the change that calls for it: the OMS
    sends it by e-mail (``status`` pending), or cannot (``skipped``: no recipient); a retailer
    may send it through its own CRM instead. ``notification`` is its stable id (the e-mail's
    Message-ID), ``data`` what its templates are rendered from."""

    order_id: str
    notification: str
    kind: str
    channel: str
    recipient: str | None
    locale: str
    status: str
    data: dict[str, Any]


# ------------------------------------------------------------------------ store receiving


@dataclass(frozen=True, kw_only=True)
class TransferReceived(DomainEvent):
    """A ship-to-store transfer counted at its pickup store: ``differences`` lists the order
    lines received over or under what the shipment carried (each ``line``, ``sku``,
    ``expected``, ``received``); empty when the count matched."""

    order_id: str
    shipment: str
    store: str
    differences: list[dict[str, Any]]


# ------------------------------------------------------------------------ stock counts


@dataclass(frozen=True, kw_only=True)
class CountEvent(NodeEvent):
    """Something happened to a stock count of a store (kept on the node's history)."""

    count_id: str


@dataclass(frozen=True, kw_only=True)
class CountRequested(CountEvent):
    """Ops asked the store to count these SKUs."""

    skus: list[str]
    requested_by: str


@dataclass(frozen=True, kw_only=True)
class CountSubmitted(CountEvent):
    """The associate counted: ``lines`` [{sku, expected, counted, variance}];
    ``needs_approval`` when a variance is beyond the threshold."""

    lines: list[dict[str, Any]]
    needs_approval: bool


@dataclass(frozen=True, kw_only=True)
class CountApproved(CountEvent):
    decided_by: str


@dataclass(frozen=True, kw_only=True)
class CountRejected(CountEvent):
    """Ops refused a count beyond the threshold: the stock stays as it was."""

    decided_by: str


@dataclass(frozen=True, kw_only=True)
class CountApplied(CountEvent):
    """The stock rows were set to what was counted: ``adjustments`` [{sku, from, to}]."""

    adjustments: list[dict[str, Any]]


# ------------------------------------------------------------------ store rejections, capacity


@dataclass(frozen=True, kw_only=True)
class PickRejected(DomainEvent):
    """Units of a pick rejected at its store with a reason code (``lines``: order line ->
    units); ``collateral``: rejected because the same SKU was rejected in another pick."""

    order_id: str
    pick: str
    node: str
    reason: str
    lines: dict[str, int]
    qty: int
    collateral: bool


@dataclass(frozen=True, kw_only=True)
class StoreCapacityChanged(NodeEvent):
    """A store's capacity controls set: its daily order limit (None: none) and its pause
    (``paused_until`` None: until switched back). Sourcing and promise honour them from the
    next request."""

    daily_order_limit: int | None
    paused: bool
    paused_until: str | None


# ------------------------------------------------------------------------ the store counter


@dataclass(frozen=True, kw_only=True)
class ParcelsShipped(DomainEvent):
    """A shipment left its store in these parcels (``carrier``, ``tracking``, ``weight_g`` each,
    in parcel order): the shipment's own tracking number is the first parcel's."""

    order_id: str
    shipment: str
    store: str
    parcels: list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class HandedOver(DomainEvent):
    """A ready pickup handed to its customer at the counter: who was checked and how
    (``verified_by``: ``pickup_code`` or ``name``), the lines the customer refused (their units
    back to stock at the store) and what they were refunded."""

    order_id: str
    store: str
    verified_by: str
    refused: list[str]
    refunds: list[dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class PickupReshelved(DomainEvent):
    """An expired pickup's units put back on the shelf: ``lines`` are ``[sku, qty, bin]``."""

    order_id: str
    store: str
    lines: list[list[Any]]
