"""The transfer receipt lines a store recorded (oms.stores.receipts)."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
from oms.stores.receipts import TransferReceiptLine


class SqlTransferReceiptLines(SqlRepository[TransferReceiptLine]):
    entity = TransferReceiptLine
