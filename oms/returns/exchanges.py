"""Exchanges: the refund of a return pays, in whole or in part, for a new order of replacements.

credit = the return's refund total. The replacement order is charged at its catalogue prices;
the credit pays for it first: refund_minor = max(0, credit - replacements) goes back to the
customer, balance_due_minor = max(0, replacements - credit) is charged. The DB/API layer
creates the new order from `lines` through the orders service, and moves the RMA to exchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from oms.domain.errors import ValidationError
from oms.returns.refunds import Refund


@dataclass(frozen=True)
class ReplacementLine:
    sku: str
    qty: int
    unit_price_minor: int


@dataclass(frozen=True)
class Exchange:
    order_id: str  # the original order
    lines: tuple[ReplacementLine, ...]
    credit_minor: int
    replacement_minor: int

    @property
    def refund_minor(self) -> int:
        return max(0, self.credit_minor - self.replacement_minor)

    @property
    def balance_due_minor(self) -> int:
        return max(0, self.replacement_minor - self.credit_minor)


def exchange_for(refund: Refund, replacements: Sequence[ReplacementLine]) -> Exchange:
    """The exchange of a return's refund for `replacements` (at least one, qty >= 1)."""
    problems = [
        f'replacements[{i}] (sku "{r.sku}"): qty must be >= 1 and price >= 0'
        for i, r in enumerate(replacements)
        if r.qty < 1 or r.unit_price_minor < 0
    ]
    if not replacements:
        problems.append("an exchange needs at least one replacement line")
    if problems:
        raise ValidationError(problems)
    total = sum(r.qty * r.unit_price_minor for r in replacements)
    return Exchange(refund.order_id, tuple(replacements), refund.total_minor, total)
