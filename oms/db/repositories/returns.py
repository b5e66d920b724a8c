"""Repository of the returns context: RMAs and their lines, and the one read of orders that the
generic queries cannot express (recent demand, a grouped join)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select

from oms.db import tables
from oms.db.repositories.base import SqlRepository
from oms.domain.ports import not_found
from oms.returns.records import ReturnAuthorization, ReturnLine


class SqlReturns(SqlRepository[ReturnAuthorization]):
    entity = ReturnAuthorization
    missing = staticmethod(not_found("return"))

    def units_sourced_since(
        self, sku_ids: Sequence[str], since: datetime
    ) -> dict[tuple[str, str], int]:
        a, ol, o = tables.allocations.c, tables.order_lines.c, tables.orders.c
        stmt = (
            select(a.node_id, ol.sku_id, func.sum(a.qty))
            .join_from(tables.allocations, tables.order_lines, ol.id == a.order_line_id)
            .join(tables.orders, o.id == ol.order_id)
            .where(ol.sku_id.in_(list(sku_ids)), o.created_at >= since)
            .group_by(a.node_id, ol.sku_id)
        )
        return {(node, sku): int(units or 0) for node, sku, units in self.session.execute(stmt)}


class SqlReturnLines(SqlRepository[ReturnLine]):
    entity = ReturnLine
