"""Inventory rules: ATP, safety stock, the arithmetic of holds, and the ledger's errors.

Pure: no database here. The ledger that applies these rules lives in oms/db/ledger.py.
"""

from oms.inventory.atp import Shortfall, StockLevel, StockRow, atp, merge_rows
from oms.inventory.errors import (
    InsufficientStock,
    InvalidQuantity,
    NotReserved,
    StockBelowReserved,
    UnknownNode,
    UnknownSku,
)

__all__ = [
    "InsufficientStock",
    "InvalidQuantity",
    "NotReserved",
    "Shortfall",
    "StockBelowReserved",
    "StockLevel",
    "StockRow",
    "UnknownNode",
    "UnknownSku",
    "atp",
    "merge_rows",
]
