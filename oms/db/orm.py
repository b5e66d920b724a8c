"""The entities of the contexts mapped onto the tables (SQLAlchemy's imperative mapping, as in
cosmicpython): the domain classes stay plain and import nothing of the database.

Mapping happens once, when this module is first imported; everything that opens a session
(``oms.db.engine``) imports it first."""

from __future__ import annotations

from sqlalchemy.orm import registry

from oms.access.model import ApiKey, StoreSession
from oms.customers.model import Customer, CustomerAddress
from oms.db import tables as t
from oms.domain.events import EventRecord
from oms.integrations.webhooks_model import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from oms.inventory.model import Node, Sku, StockItem
from oms.notifications.model import Notification
from oms.orders.model import (
    Allocation,
    IdempotencyRecord,
    Order,
    OrderLine,
    OrderNode,
    Refund,
    Reservation,
    ReservationLine,
    Shipment,
)
from oms.orders.tracking import TrackingEvent
from oms.returns.records import ReturnAuthorization, ReturnLine
from oms.stores.counter_model import Parcel, PickupToReshelve
from oms.stores.counts_model import StockCount, StockCountLine
from oms.stores.model import Pick, PickLine, PickRejection, PickupSlot
from oms.stores.receipts import TransferReceiptLine

MAPPED = {
    Customer: t.customers,
    CustomerAddress: t.customer_addresses,
    Node: t.nodes,
    Sku: t.skus,
    StockItem: t.inventory,
    Reservation: t.reservations,
    ReservationLine: t.reservation_lines,
    Order: t.orders,
    OrderLine: t.order_lines,
    Shipment: t.shipments,
    Allocation: t.allocations,
    Refund: t.refunds,
    IdempotencyRecord: t.idempotency_keys,
    PickupSlot: t.pickup_slots,
    Pick: t.picks,
    PickLine: t.pick_lines,
    Notification: t.notifications,
    ReturnAuthorization: t.returns,
    ReturnLine: t.return_lines,
    EventRecord: t.events,
    ApiKey: t.api_keys,
    StoreSession: t.store_sessions,
    WebhookEndpoint: t.webhook_endpoints,
    WebhookDelivery: t.webhook_deliveries,
    WebhookAttempt: t.webhook_attempts,
    TrackingEvent: t.shipment_tracking_events,
    OrderNode: t.order_nodes,
    TransferReceiptLine: t.transfer_receipt_lines,
    StockCount: t.stock_counts,
    StockCountLine: t.stock_count_lines,
    PickRejection: t.pick_rejections,
    Parcel: t.shipment_parcels,
    PickupToReshelve: t.pickups_to_reshelve,
}

mapper_registry = registry(metadata=t.metadata)
for _entity, _table in MAPPED.items():
    mapper_registry.map_imperatively(_entity, _table)
