"""Refunds in integer minor units, exact over any sequence of partial returns.

What a line paid: gross = unit_price x qty, minus its share of the order-level discount. The
discount is pro-rated by gross value with largest-remainder rounding (ties to the earlier line),
so the shares sum exactly to the discount and every line pays `paid(line) >= 0`.

What a return refunds for a line: the refund is cumulative, never per unit, so rounding cannot
drift: after r of the line's q units are refunded, the line has been refunded
`paid * r // q` in all; a return of n more units refunds `paid * (r + n) // q - paid * r // q`.
Returning every unit, in any number of returns, refunds exactly `paid`, never more.

Then, per return: minus a restocking fee of `restocking_fee_bps` of its items refund (rounded
down; never on a seller fault); plus the order's original shipping, in full and once per order,
when `ReturnPolicy.refunds_shipping` says this return qualifies (see oms/returns/policy.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from oms.domain.errors import ValidationError
from oms.returns.policy import Reason, ReturnPolicy


@dataclass(frozen=True)
class PaidLine:
    line_id: str
    qty: int
    unit_price_minor: int

    @property
    def gross_minor(self) -> int:
        return self.qty * self.unit_price_minor


@dataclass(frozen=True)
class OrderMoney:
    """What the customer was charged: lines, an order-level discount and shipping."""

    order_id: str
    lines: tuple[PaidLine, ...]
    discount_minor: int = 0
    shipping_minor: int = 0

    def __post_init__(self) -> None:
        gross = sum(line.gross_minor for line in self.lines)
        if any(line.qty < 1 or line.unit_price_minor < 0 for line in self.lines):
            raise ValueError(f'order "{self.order_id}": line qty must be >= 1 and prices >= 0')
        if not 0 <= self.discount_minor <= gross or self.shipping_minor < 0:
            raise ValueError(f'order "{self.order_id}": discount must be within 0..{gross}')

    @property
    def paid_minor(self) -> int:
        """Everything the order was charged: lines after discount, plus shipping."""
        return sum(ln.gross_minor for ln in self.lines) - self.discount_minor + self.shipping_minor


@dataclass(frozen=True)
class ReturnedLine:
    line_id: str
    qty: int


@dataclass(frozen=True)
class LineRefund:
    line_id: str
    qty: int
    paid_minor: int  # what the whole line paid, after its discount share
    amount_minor: int  # refunded for these units


@dataclass(frozen=True)
class Refund:
    order_id: str
    lines: tuple[LineRefund, ...]
    items_minor: int
    restocking_fee_minor: int
    shipping_minor: int

    @property
    def total_minor(self) -> int:
        return self.items_minor - self.restocking_fee_minor + self.shipping_minor


def prorate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` in proportion to non-negative `weights`, in integers summing to `total`:
    floor shares first, then one more unit to the largest remainders (ties: earlier index)."""
    weight = sum(weights)
    if weight == 0:
        if total:
            raise ValueError("cannot pro-rate a non-zero total over zero weights")
        return [0] * len(weights)
    shares = [total * w // weight for w in weights]
    remainders = [total * w % weight for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def paid_by_line(money: OrderMoney) -> dict[str, int]:
    """What each line paid: its gross minus its pro-rated share of the order discount."""
    gross = [line.gross_minor for line in money.lines]
    shares = prorate(money.discount_minor, gross)
    return {ln.line_id: g - s for ln, g, s in zip(money.lines, gross, shares, strict=True)}


def refund_for(
    money: OrderMoney,
    returned: Sequence[ReturnedLine],
    policy: ReturnPolicy,
    reason: Reason,
    *,
    refunded_before: Mapping[str, int] | None = None,
    shipping_refunded_before: bool = False,
) -> Refund:
    """The refund of one return. `refunded_before` maps line id -> units refunded by earlier
    returns of the order; `shipping_refunded_before` says whether shipping was refunded."""
    before = dict(refunded_before or {})
    _check(money, returned, before)
    paid = paid_by_line(money)
    qty = {line.line_id: line.qty for line in money.lines}
    lines = tuple(
        _line_refund(r, paid[r.line_id], qty[r.line_id], before.get(r.line_id, 0)) for r in returned
    )
    items = sum(line.amount_minor for line in lines)
    fee = (
        items * policy.restocking_fee_bps // 10_000 if policy.charges_restocking_fee(reason) else 0
    )
    after = {line_id: before.get(line_id, 0) for line_id in qty}
    for r in returned:
        after[r.line_id] += r.qty
    completes = all(after[line_id] == q for line_id, q in qty.items())
    refund_shipping = not shipping_refunded_before and policy.refunds_shipping(reason, completes)
    shipping = money.shipping_minor if refund_shipping else 0
    return Refund(money.order_id, lines, items, fee, shipping)


def _line_refund(returned: ReturnedLine, paid: int, qty: int, before: int) -> LineRefund:
    """Refund of `returned.qty` more units of a line that paid `paid` for `qty` units, of which
    `before` were refunded already: the cumulative refund's increase."""
    after = before + returned.qty
    amount = paid * after // qty - paid * before // qty
    return LineRefund(returned.line_id, returned.qty, paid, amount)


def _check(money: OrderMoney, returned: Sequence[ReturnedLine], before: Mapping[str, int]) -> None:
    """Defensive: eligibility should already have refused all of these."""
    qty = {line.line_id: line.qty for line in money.lines}
    problems: list[str] = []
    seen: set[str] = set()
    for line_id, units in sorted(before.items()):
        if line_id not in qty:
            problems.append(f'refunded_before: no line "{line_id}" on order "{money.order_id}"')
        elif not 0 <= units <= qty[line_id]:
            problems.append(f'refunded_before: line "{line_id}" has {units} of {qty[line_id]}')
    for i, r in enumerate(returned):
        where = f'returned[{i}] (line "{r.line_id}")'
        if r.line_id not in qty:
            problems.append(f'{where}: no such line on order "{money.order_id}"')
        elif r.line_id in seen:
            problems.append(f"{where}: the line is returned more than once")
        elif r.qty < 1 or before.get(r.line_id, 0) + r.qty > qty[r.line_id]:
            problems.append(
                f"{where}: {r.qty} more units after {before.get(r.line_id, 0)} refunded "
                f"exceeds the {qty[r.line_id]} bought"
            )
        seen.add(r.line_id)
    if problems:
        raise ValidationError(problems)
