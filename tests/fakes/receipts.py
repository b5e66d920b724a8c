"""The fake of the transfer receipt lines (oms.stores.receipts)."""

from __future__ import annotations

from oms.stores.receipts import TransferReceiptLine
from tests.fakes.base import FakeRepository


class FakeTransferReceiptLines(FakeRepository[TransferReceiptLine]):
    entity = TransferReceiptLine
    key = ("shipment_id", "order_line_id")
