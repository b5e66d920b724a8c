"""The order history the look-ahead refresh reads, over the fake's orders and lines (what
`oms.db.repositories.demand_history` reads from the tables)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from oms.orders.model import DeliveryMethod, Order, OrderLine
from oms.promise.ports import HistoryLine


class FakeDemandHistory:
    def __init__(
        self, orders: Callable[[], Iterable[Order]], lines: Callable[[], Iterable[OrderLine]]
    ) -> None:
        self._orders = orders
        self._lines = lines

    def lines_between(self, windows: Sequence[tuple[datetime, datetime]]) -> list[HistoryLine]:
        inside = {o.id: o for o in self._orders() if any(a <= o.created_at < b for a, b in windows)}
        lines = sorted(
            (x for x in self._lines() if x.order_id in inside),
            key=lambda x: (x.order_id, x.line_no),
        )
        return [_row(inside[x.order_id], x) for x in lines]


def _row(o: Order, x: OrderLine) -> HistoryLine:
    pickup = o.pickup_node if o.method is DeliveryMethod.PICKUP else None
    return HistoryLine(o.id, o.created_at, pickup, o.dest_lat, o.dest_lon, x.sku_id, x.qty)
