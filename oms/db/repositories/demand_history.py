"""The order history the look-ahead forecast reads (`oms.promise.demand_estimate`): the lines
of the orders created in a few windows of time, in one query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from oms.db import tables
from oms.orders.model import DeliveryMethod
from oms.promise.ports import HistoryLine

_O = tables.orders.c
_L = tables.order_lines.c


class SqlDemandHistory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lines_between(self, windows: Sequence[tuple[datetime, datetime]]) -> list[HistoryLine]:
        """Lines of the orders created within any [start, end) window, an order's together in
        line order (by `ix_orders_created_at`, one range per window)."""
        if not windows:
            return []
        query = (
            select(
                _O.id,
                _O.created_at,
                _O.method,
                _O.pickup_node,
                _O.dest_lat,
                _O.dest_lon,
                _L.sku_id,
                _L.qty,
            )
            .join(tables.order_lines, _L.order_id == _O.id)
            .where(or_(*(and_(_O.created_at >= a, _O.created_at < b) for a, b in windows)))
            .order_by(_O.id, _L.line_no)
        )
        return [
            HistoryLine(
                order_id=oid,
                created_at=at,
                pickup_node=node if method == DeliveryMethod.PICKUP else None,
                dest_lat=lat,
                dest_lon=lon,
                sku_id=sku,
                qty=int(qty),
            )
            for oid, at, method, node, lat, lon, sku, qty in self.session.execute(query)
        ]
