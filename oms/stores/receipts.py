"""What a store counted when a transfer reached it: one row per order line of the shipment,
the units expected (the shipment's allocation) and the units received. Mapped by oms/db/orm.py.
The unit of work the receiving desk needs: the stores context's, with these rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from oms.domain.events import utcnow
from oms.domain.ports import Repository
from oms.stores.ports import StoresUnitOfWork


@dataclass(eq=False, kw_only=True)
class TransferReceiptLine:
    """Units of one order line of a transfer, as counted at the store that received it."""

    shipment_id: str
    order_line_id: str
    order_id: str
    node_id: str  # the store that received
    sku_id: str
    expected: int
    received: int
    received_at: datetime = field(default_factory=utcnow)

    @property
    def difference(self) -> int:
        """Units over (positive) or under (negative) what the shipment carried."""
        return self.received - self.expected


class ReceivingUnitOfWork(StoresUnitOfWork, Protocol):
    @property
    def receipt_lines(self) -> Repository[TransferReceiptLine]: ...
