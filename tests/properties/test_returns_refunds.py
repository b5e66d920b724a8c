"""Refund properties over any sequence of partial returns of random discounted orders: the
refund never exceeds what was paid, and a fully returned line refunds exactly what it paid."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.returns import (
    OrderMoney,
    PaidLine,
    Reason,
    ReturnedLine,
    ReturnPolicy,
    ShippingRefund,
    paid_by_line,
    prorate,
    refund_for,
)

EXAMPLES = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Scenario:
    money: OrderMoney
    batches: list[tuple[list[str], Reason]]  # each return: the line id of each unit, a reason
    policy: ReturnPolicy


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    n = draw(st.integers(1, 5))
    lines = tuple(
        PaidLine(f"L{i}", draw(st.integers(1, 6)), draw(st.integers(0, 100_000))) for i in range(n)
    )
    gross = sum(line.gross_minor for line in lines)
    money = OrderMoney("O", lines, draw(st.integers(0, gross)), draw(st.integers(0, 2_000)))
    units = draw(st.permutations([line.line_id for line in lines for _ in range(line.qty)]))
    sizes = draw(st.lists(st.integers(1, 4), max_size=len(units)))
    if draw(st.booleans()):  # half of the time every unit comes back
        sizes.append(len(units))
    batches, pos = [], 0
    for size in sizes:
        if pos < len(units):
            batches.append((list(units[pos : pos + size]), draw(st.sampled_from(list(Reason)))))
            pos += size
    policy = ReturnPolicy(
        refund_shipping=draw(st.sampled_from(list(ShippingRefund))),
        restocking_fee_bps=draw(st.integers(0, 10_000)),
    )
    return Scenario(money, batches, policy)


@EXAMPLES
@given(scenarios())
def test_refunds_never_exceed_what_was_paid_and_a_returned_line_refunds_exactly_its_price(s):
    paid = paid_by_line(s.money)
    qty = {line.line_id: line.qty for line in s.money.lines}
    refunded_units: Counter[str] = Counter()
    refunded_items: Counter[str] = Counter()
    shipping_refunds, total = 0, 0
    for units, reason in s.batches:
        returned = [ReturnedLine(line_id, n) for line_id, n in sorted(Counter(units).items())]
        refund = refund_for(
            s.money,
            returned,
            s.policy,
            reason,
            refunded_before=dict(refunded_units),
            shipping_refunded_before=shipping_refunds > 0,
        )
        assert all(r.amount_minor >= 0 for r in refund.lines)
        assert 0 <= refund.restocking_fee_minor <= refund.items_minor
        assert refund.shipping_minor in {0, s.money.shipping_minor}
        shipping_refunds += refund.shipping_minor > 0
        total += refund.total_minor
        for r in refund.lines:
            refunded_units[r.line_id] += r.qty
            refunded_items[r.line_id] += r.amount_minor
        assert total <= s.money.paid_minor
    assert shipping_refunds <= 1
    for line_id, units in refunded_units.items():
        assert refunded_items[line_id] == paid[line_id] * units // qty[line_id]
        assert refunded_items[line_id] <= paid[line_id]
        if units == qty[line_id]:
            assert refunded_items[line_id] == paid[line_id]


@EXAMPLES
@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=8), st.data())
def test_prorated_shares_sum_exactly_and_stay_within_one_unit_of_the_exact_share(weights, data):
    total = data.draw(st.integers(0, sum(weights) if sum(weights) else 0))
    shares = prorate(total, weights)
    assert sum(shares) == total
    for share, w in zip(shares, weights, strict=True):
        exact = total * w / sum(weights) if sum(weights) else 0
        assert exact - 1 < share < exact + 1
        assert 0 <= share <= w
