"""Fakes of the stock counts and of the Today page's queue counts, over the fake unit of
work's rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from oms.inventory.model import StockItem
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import Allocation, DeliveryMethod, Order, Shipment, ShipmentStatus
from oms.returns.lifecycle import ReturnStatus
from oms.returns.policy import Method
from oms.returns.records import ReturnAuthorization
from oms.stores.counts_model import CountStatus, StockCount, StockCountLine
from oms.stores.model import Pick, PickStatus, PickupSlot
from oms.stores.today_ports import QueueCounts
from tests.fakes.base import FakeRepository


class FakeStockCounts(FakeRepository[StockCount]):
    entity = StockCount

    def __init__(self, items: Callable[[], dict[tuple[str, str], StockItem]]) -> None:
        super().__init__()
        self._items = items

    def find_for_update(self, count_id: str) -> StockCount | None:
        return self.find(count_id)

    def skus_in_bins(self, node_id: str, bins: Sequence[str]) -> list[str]:
        return sorted(
            s for (n, s), i in self._items().items() if n == node_id and i.bin_location in bins
        )


class FakeStockCountLines(FakeRepository[StockCountLine]):
    entity = StockCountLine
    key = ("count_id", "sku_id")


class FakeStoreQueues:
    """The queue counts as the SQL does them, by walking the rows."""

    def __init__(self, uow: object) -> None:
        self.uow = uow

    def _rows(self, name: str) -> Iterable[object]:
        return getattr(self.uow, name).rows.values()  # type: ignore[no-any-return]

    def counts(self, node_id: str, now: datetime) -> QueueCounts:
        orders: dict[str, Order] = {o.id: o for o in self._rows("orders")}  # type: ignore[attr-defined]
        slots: dict[str, PickupSlot] = {s.id: s for s in self._rows("slots")}  # type: ignore[attr-defined]
        ships = [s for s in self._rows("shipments") if isinstance(s, Shipment)]
        ready = [
            o
            for o in orders.values()
            if o.pickup_node == node_id and o.status is OrderStatus.READY_FOR_PICKUP
        ]

        def late(o: Order) -> bool:
            slot = slots.get(o.slot_id) if o.slot_id else None
            return (o.expires_at is not None and o.expires_at < now) or (
                slot is not None and slot.ends_at < now
            )

        def own_pickup(s: Shipment) -> bool:
            o = orders[s.order_id]
            return o.method is DeliveryMethod.PICKUP and o.pickup_node == node_id

        returns = [r for r in self._rows("returns") if isinstance(r, ReturnAuthorization)]
        return QueueCounts(
            to_pick=sum(
                1
                for p in self._rows("picks")
                if isinstance(p, Pick) and p.node_id == node_id and p.status is PickStatus.OPEN
            ),
            to_pack=sum(
                1
                for s in ships
                if s.node_id == node_id and s.status is ShipmentStatus.PICKED and not own_pickup(s)
            ),
            ready_for_pickup=len(ready),
            overdue_pickups=sum(1 for o in ready if late(o)),
            incoming_transfers=sum(
                1
                for s in ships
                if s.node_id != node_id and s.status is ShipmentStatus.SHIPPED and own_pickup(s)
            ),
            returns_to_receive=sum(
                1
                for r in returns
                if r.destination == node_id
                and r.method == Method.IN_STORE
                and r.status in (ReturnStatus.REQUESTED, ReturnStatus.AWAITING_DROP_OFF)
            ),
            counts_requested=sum(
                1
                for c in self._rows("stock_counts")
                if isinstance(c, StockCount)
                and c.node_id == node_id
                and c.status is CountStatus.REQUESTED
            ),
        )

    def units_allocated(self, node_id: str, start: datetime, end: datetime) -> int:
        live = {
            s.id
            for s in self._rows("shipments")
            if isinstance(s, Shipment)
            and s.node_id == node_id
            and start <= s.created_at < end
            and s.status is not ShipmentStatus.CANCELLED
        }
        return sum(
            a.qty
            for a in self._rows("allocations")
            if isinstance(a, Allocation) and a.shipment_id in live
        )
