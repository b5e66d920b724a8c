"""Errors of the inventory ledger. Each carries a stable ``code``; adapters map codes to HTTP
statuses, and every multi-row error lists every faulty row, not only the first."""

from __future__ import annotations

from collections.abc import Sequence

from oms.domain.errors import OmsError, ValidationError
from oms.inventory.atp import Shortfall


def _rows_text(shortfalls: Sequence[Shortfall], what: str) -> str:
    shown = [
        f'node "{s.node_id}" sku "{s.sku_id}": requested {s.requested}, {what} {s.available}'
        for s in shortfalls[:20]
    ]
    more = len(shortfalls) - len(shown)
    return "; ".join(shown) + (f"; ... and {more} more" if more > 0 else "")


class InsufficientStock(OmsError):
    """Not enough available-to-promise for one or more rows of a hold."""

    code = "insufficient_stock"

    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        self.shortfalls = list(shortfalls)
        super().__init__("insufficient stock: " + _rows_text(self.shortfalls, "available"))


class NotReserved(OmsError):
    """A release or shipment of more units than are reserved: the caller's books and the ledger
    disagree. Nothing is changed."""

    code = "not_reserved"

    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        self.shortfalls = list(shortfalls)
        super().__init__("more than is reserved: " + _rows_text(self.shortfalls, "reserved"))


class StockBelowReserved(OmsError):
    """A change that would leave on_hand below the units already promised to customers."""

    code = "stock_below_reserved"

    def __init__(self, node_id: str, sku_id: str, on_hand: int, reserved: int) -> None:
        self.node_id, self.sku_id = node_id, sku_id
        self.on_hand, self.reserved = on_hand, reserved
        super().__init__(
            f'node "{node_id}" sku "{sku_id}": on_hand would be {on_hand}, '
            f"below the {reserved} reserved; release or ship reservations first"
        )


class InvalidQuantity(ValidationError):
    """A quantity that is not a whole number in the allowed range."""

    code = "invalid_quantity"


class UnknownNode(OmsError):
    code = "unknown_node"

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        super().__init__(f'unknown node "{node_id}"')


class UnknownSku(OmsError):
    code = "unknown_sku"

    def __init__(self, sku_id: str) -> None:
        self.sku_id = sku_id
        super().__init__(f'unknown sku "{sku_id}"')
