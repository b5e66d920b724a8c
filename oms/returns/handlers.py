"""How returns react to their own events: units received sellable where they arrived go back
on sale at once."""

from __future__ import annotations

from typing import Protocol

from oms.domain.bus import EventSink
from oms.domain.events import Restocked, ReturnReceived
from oms.domain.ports import Repository
from oms.inventory.ports import StockLedger
from oms.returns.disposition import restock_rows
from oms.returns.facts import recorded_decisions
from oms.returns.records import ReturnAuthorization, ReturnLine


class RestockUnitOfWork(EventSink, Protocol):
    @property
    def returns(self) -> Repository[ReturnAuthorization]: ...

    @property
    def return_lines(self) -> Repository[ReturnLine]: ...

    @property
    def stock(self) -> StockLedger: ...


def restock_received_units(event: ReturnReceived, uow: RestockUnitOfWork) -> None:
    """The ledger receives the units to restock (ATP moves at once), then the return says so."""
    lines = uow.return_lines.list_by(return_id=event.return_id, order_by="order_line_id")
    rows = restock_rows(recorded_decisions(lines))
    if not rows:
        return
    for node, sku, qty in rows:
        uow.stock.receive(node, sku, qty, ref=event.return_id)
    rma = uow.returns.get(event.return_id)
    rma.restocked_at = rma.received_at  # on sale the moment it was received
    uow.emit(
        Restocked(
            order_id=event.order_id,
            return_id=event.return_id,
            status=rma.status,
            rows=[list(r) for r in rows],
        )
    )
