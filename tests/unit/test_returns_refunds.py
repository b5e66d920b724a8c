"""Refunds in integer minor units, checked against hand-computed numbers; exchanges."""

from __future__ import annotations

import pytest

from oms.domain.errors import ValidationError
from oms.returns import (
    OrderMoney,
    PaidLine,
    Reason,
    ReplacementLine,
    ReturnedLine,
    ReturnPolicy,
    ShippingRefund,
    exchange_for,
    paid_by_line,
    prorate,
    refund_for,
)

# Gross 3998 + 1001 + 999 = 5998; a 1000 discount; 499 shipping.
MONEY = OrderMoney(
    order_id="O-1",
    lines=(PaidLine("L1", 2, 1999), PaidLine("L2", 1, 1001), PaidLine("L3", 3, 333)),
    discount_minor=1000,
    shipping_minor=499,
)
POLICY = ReturnPolicy()
MIND = Reason.CHANGED_MIND


def test_the_discount_is_prorated_by_line_value_with_largest_remainders():
    # 1000 * 3998 / 5998 = 666.56, * 1001 / 5998 = 166.89, * 999 / 5998 = 166.56: floors give 998,
    # the two units left go to L2 (largest remainder) and L1 (tied with L3, earlier line).
    assert prorate(1000, [3998, 1001, 999]) == [667, 167, 166]
    assert paid_by_line(MONEY) == {"L1": 3331, "L2": 834, "L3": 833}
    assert MONEY.paid_minor == 3331 + 834 + 833 + 499


def test_prorating_over_zero_weights_is_zero_and_a_nonzero_total_is_refused():
    assert prorate(0, [0, 0]) == [0, 0]
    with pytest.raises(ValueError, match="zero weights"):
        prorate(5, [0, 0])


def test_a_partial_return_refunds_the_floor_of_the_cumulative_share():
    refund = refund_for(MONEY, [ReturnedLine("L1", 1)], POLICY, MIND)
    assert [(r.line_id, r.qty, r.paid_minor, r.amount_minor) for r in refund.lines] == [
        ("L1", 1, 3331, 1665)
    ]
    assert (refund.items_minor, refund.restocking_fee_minor, refund.shipping_minor) == (1665, 0, 0)
    assert refund.total_minor == 1665


def test_the_last_unit_of_a_line_refunds_the_rest_of_what_it_paid():
    second = refund_for(MONEY, [ReturnedLine("L1", 1)], POLICY, MIND, refunded_before={"L1": 1})
    assert second.items_minor == 3331 - 1665 == 1666


def test_three_single_unit_returns_refund_exactly_what_the_line_paid():
    amounts = [
        refund_for(MONEY, [ReturnedLine("L3", 1)], POLICY, MIND, refunded_before={"L3": k})
        for k in range(3)
    ]
    assert [a.items_minor for a in amounts] == [277, 278, 278]
    assert sum(a.items_minor for a in amounts) == 833


def test_shipping_is_refunded_on_a_seller_fault_only_once():
    first = refund_for(MONEY, [ReturnedLine("L2", 1)], POLICY, Reason.DEFECTIVE)
    assert (first.items_minor, first.shipping_minor, first.total_minor) == (834, 499, 1333)
    again = refund_for(
        MONEY,
        [ReturnedLine("L1", 1)],
        POLICY,
        Reason.WRONG_ITEM,
        refunded_before={"L2": 1},
        shipping_refunded_before=True,
    )
    assert again.shipping_minor == 0


def test_shipping_is_kept_when_the_customer_changed_their_mind_even_for_the_whole_order():
    everything = [ReturnedLine("L1", 2), ReturnedLine("L2", 1), ReturnedLine("L3", 3)]
    refund = refund_for(MONEY, everything, POLICY, MIND)
    assert (refund.items_minor, refund.shipping_minor) == (4998, 0)


def test_the_full_return_rule_refunds_shipping_with_the_orders_last_unit():
    policy = ReturnPolicy(refund_shipping=ShippingRefund.SELLER_FAULT_OR_FULL_RETURN)
    partial = refund_for(MONEY, [ReturnedLine("L1", 2), ReturnedLine("L2", 1)], policy, MIND)
    assert partial.shipping_minor == 0
    last = refund_for(
        MONEY, [ReturnedLine("L3", 3)], policy, MIND, refunded_before={"L1": 2, "L2": 1}
    )
    assert (last.items_minor, last.shipping_minor) == (833, 499)


def test_the_never_rule_keeps_shipping_even_on_a_seller_fault():
    policy = ReturnPolicy(refund_shipping=ShippingRefund.NEVER)
    assert refund_for(MONEY, [ReturnedLine("L1", 1)], policy, Reason.DEFECTIVE).shipping_minor == 0


def test_the_restocking_fee_is_rounded_down_and_waived_on_a_seller_fault():
    policy = ReturnPolicy(restocking_fee_bps=1000)
    refund = refund_for(MONEY, [ReturnedLine("L1", 1)], policy, MIND)
    assert (refund.items_minor, refund.restocking_fee_minor, refund.total_minor) == (
        1665,
        166,
        1499,
    )
    faulty = refund_for(MONEY, [ReturnedLine("L1", 1)], policy, Reason.DAMAGED_IN_TRANSIT)
    assert faulty.restocking_fee_minor == 0


def test_a_free_line_refunds_nothing():
    money = OrderMoney("O-2", (PaidLine("G", 1, 0), PaidLine("P", 1, 1000)), discount_minor=100)
    assert paid_by_line(money) == {"G": 0, "P": 900}
    assert refund_for(money, [ReturnedLine("G", 1)], POLICY, MIND).total_minor == 0


def test_returning_more_than_was_bought_or_an_unknown_line_is_refused_naming_each():
    with pytest.raises(ValidationError) as err:
        refund_for(
            MONEY,
            [ReturnedLine("L1", 2), ReturnedLine("L9", 1), ReturnedLine("L1", 1)],
            POLICY,
            MIND,
            refunded_before={"L1": 1, "L7": 1},
        )
    assert err.value.problems == [
        'refunded_before: no line "L7" on order "O-1"',
        'returned[0] (line "L1"): 2 more units after 1 refunded exceeds the 2 bought',
        'returned[1] (line "L9"): no such line on order "O-1"',
        'returned[2] (line "L1"): the line is returned more than once',
    ]


def test_an_order_whose_discount_exceeds_its_value_is_refused():
    with pytest.raises(ValueError, match=r"discount must be within 0\.\.100"):
        OrderMoney("O-3", (PaidLine("A", 1, 100),), discount_minor=101)


def test_an_exchange_for_a_dearer_item_charges_the_difference():
    refund = refund_for(MONEY, [ReturnedLine("L1", 1)], POLICY, MIND)
    exchange = exchange_for(refund, [ReplacementLine("SKU-1-XL", 1, 1999)])
    assert (exchange.credit_minor, exchange.replacement_minor) == (1665, 1999)
    assert (exchange.balance_due_minor, exchange.refund_minor) == (334, 0)
    assert exchange.order_id == "O-1"


def test_an_exchange_for_a_cheaper_item_refunds_the_difference():
    refund = refund_for(MONEY, [ReturnedLine("L1", 1)], POLICY, MIND)
    exchange = exchange_for(refund, [ReplacementLine("SKU-1-S", 2, 500)])
    assert (exchange.balance_due_minor, exchange.refund_minor) == (0, 665)


def test_an_exchange_needs_valid_replacement_lines():
    refund = refund_for(MONEY, [ReturnedLine("L1", 1)], POLICY, MIND)
    with pytest.raises(ValidationError, match="at least one replacement"):
        exchange_for(refund, [])
    with pytest.raises(ValidationError, match=r'replacements\[0\] \(sku "X"\)'):
        exchange_for(refund, [ReplacementLine("X", 0, 100)])
