"""Eligibility of return requests: every rule, every refusal named with its line and rule."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oms.returns import (
    Channel,
    Method,
    OrderFacts,
    OrderLineFacts,
    Reason,
    RequestLine,
    ReturnNode,
    ReturnPolicy,
    ReturnRefused,
    ReturnRequest,
    check_return,
)

DELIVERED = datetime(2026, 9, 1, 10, tzinfo=UTC)
NOW = datetime(2026, 9, 15, 12, tzinfo=UTC)
POLICY = ReturnPolicy()
ORDER = OrderFacts(
    order_id="O-AB",
    channel=Channel.WEB,
    delivered_at=DELIVERED,
    lines=(
        OrderLineFacts(
            "O-AB-1", "SKU-1", 2, delivered_qty=2, returned_qty=0, unit_price_minor=1999
        ),
        OrderLineFacts("O-AB-2", "SKU-2", 2, delivered_qty=2, returned_qty=1, unit_price_minor=500),
        OrderLineFacts("O-AB-3", "SKU-9", 1, 1, 0, 4900, final_sale=True),
        OrderLineFacts("O-AB-4", "SKU-4", 1, delivered_qty=0, returned_qty=0, unit_price_minor=100),
    ),
)
NODES = {
    "S-PARIS": ReturnNode("S-PARIS", "store", 48.86, 2.34, accepts_returns=True),
    "S-LILLE": ReturnNode("S-LILLE", "store", 50.63, 3.06, accepts_returns=False),
    "DC-LYON": ReturnNode("DC-LYON", "warehouse", 45.75, 4.85, accepts_returns=True),
}


def request(*lines: tuple[str, int], reason="changed_mind", method="mail", store=None):
    return ReturnRequest(tuple(RequestLine(i, q) for i, q in lines), reason, method, store)


def refusals(req, order=ORDER, policy=POLICY, now=NOW):
    with pytest.raises(ReturnRefused) as err:
        check_return(req, order, policy, now, NODES)
    assert err.value.code == "return_refused"
    return err.value


def test_a_delivered_line_within_the_window_is_approved():
    approved = check_return(request(("O-AB-1", 2), ("O-AB-2", 1)), ORDER, POLICY, NOW, NODES)
    assert [(a.line_id, a.sku, a.qty, a.unit_price_minor) for a in approved.lines] == [
        ("O-AB-1", "SKU-1", 2, 1999),
        ("O-AB-2", "SKU-2", 1, 500),
    ]
    assert approved.reason is Reason.CHANGED_MIND
    assert approved.method is Method.MAIL
    assert approved.store is None
    assert approved.units == 3
    assert not approved.cross_channel


def test_a_quantity_above_what_is_returnable_is_refused_naming_the_line_and_the_counts():
    err = refusals(request(("O-AB-1", 1), ("O-AB-2", 3)))
    assert err.detail == (
        'return of order "O-AB" refused: lines[1] (line "O-AB-2"): qty 3 exceeds 1 returnable '
        "(delivered 2, already returned 1)"
    )
    assert [(r.rule, r.line_id, r.index) for r in err.refusals] == [
        ("exceeds_returnable", "O-AB-2", 1)
    ]


def test_a_final_sale_line_is_refused_naming_the_line_and_the_rule():
    err = refusals(request(("O-AB-3", 1)))
    assert err.refusals[0].message == 'lines[0] (line "O-AB-3"): sku "SKU-9" is final sale'
    assert err.refusals[0].rule == "final_sale"


def test_a_line_past_its_return_window_is_refused_with_the_closing_date():
    err = refusals(request(("O-AB-1", 1)), now=datetime(2026, 10, 2, tzinfo=UTC))
    assert err.refusals[0].message == (
        'lines[0] (line "O-AB-1"): return window of 30 days closed on 2026-10-01'
    )
    assert err.refusals[0].rule == "window_closed"


def test_the_last_moment_of_the_window_is_still_open():
    last = DELIVERED + timedelta(days=30)
    assert check_return(request(("O-AB-1", 1)), ORDER, POLICY, last, NODES).units == 1
    refusals(request(("O-AB-1", 1)), now=last + timedelta(seconds=1))


def test_the_window_follows_the_purchase_channel_override():
    policy = ReturnPolicy(window_days_by_channel={Channel.STORE: 14})
    store_order = replace(ORDER, channel=Channel.STORE)
    day_20 = DELIVERED + timedelta(days=20)
    err = refusals(request(("O-AB-1", 1)), order=store_order, policy=policy, now=day_20)
    assert err.refusals[0].message.endswith("return window of 14 days closed on 2026-09-15")
    assert check_return(request(("O-AB-1", 1)), ORDER, policy, day_20, NODES).units == 1


def test_a_line_delivered_later_than_the_order_has_its_own_window():
    late = replace(ORDER.lines[0], delivered_at=DELIVERED + timedelta(days=20))
    order = replace(ORDER, lines=(late, *ORDER.lines[1:]))
    day_40 = DELIVERED + timedelta(days=40)
    assert check_return(request(("O-AB-1", 1)), order, POLICY, day_40, NODES).units == 1


def test_a_line_not_delivered_yet_is_refused():
    err = refusals(request(("O-AB-4", 1)))
    assert err.refusals[0].message == 'lines[0] (line "O-AB-4"): line is not delivered yet'


def test_an_order_without_a_delivery_time_is_not_delivered():
    err = refusals(request(("O-AB-1", 1)), order=replace(ORDER, delivered_at=None))
    assert [r.rule for r in err.refusals] == ["not_delivered"]


@pytest.mark.parametrize(
    ("lines", "rule", "text"),
    [
        ((("O-XX-9", 1),), "unknown_line", 'no such line on order "O-AB"'),
        ((("O-AB-1", 1), ("O-AB-1", 1)), "duplicate_line", "the line is requested more than once"),
        ((("O-AB-1", 0),), "invalid_qty", "qty must be a whole number >= 1, got 0"),
        ((("O-AB-1", True),), "invalid_qty", "qty must be a whole number >= 1, got True"),
    ],
)
def test_malformed_lines_are_refused_by_rule(lines, rule, text):
    err = refusals(request(*lines))
    last = len(lines) - 1
    assert [(r.rule, r.message) for r in err.refusals] == [
        (rule, f'lines[{last}] (line "{lines[last][0]}"): {text}')
    ]


@pytest.mark.parametrize(
    ("kwargs", "rule", "message"),
    [
        ({"reason": "bored"}, "unknown_reason", 'reason "bored" is not one of: changed_mind'),
        ({"method": "drone"}, "unknown_method", 'method "drone" is not in_store or mail'),
        ({"method": "in_store"}, "store_required", "an in_store return must name the store"),
        ({"method": "in_store", "store": "S-NOPE"}, "unknown_store", 'store "S-NOPE" does not'),
        (
            {"method": "in_store", "store": "S-LILLE"},
            "store_not_accepting_returns",
            'node "S-LILLE" is not a store that accepts returns',
        ),
        (
            {"method": "in_store", "store": "DC-LYON"},
            "store_not_accepting_returns",
            'node "DC-LYON" is not a store that accepts returns',
        ),
    ],
)
def test_request_level_rules_are_refused_without_a_line(kwargs, rule, message):
    err = refusals(request(("O-AB-1", 1), **kwargs))
    assert len(err.refusals) == 1
    assert err.refusals[0].rule == rule
    assert err.refusals[0].message.startswith(message)
    assert err.refusals[0].line_id is None


def test_a_request_without_lines_is_refused():
    assert [r.rule for r in refusals(request()).refusals] == ["no_lines"]


def test_every_problem_is_collected_in_one_error_with_structured_refusals():
    req = request(("O-AB-3", 1), ("O-AB-2", 2), ("O-AB-4", 1), reason="meh", method="in_store")
    err = refusals(req)
    assert [(r.rule, r.line_id) for r in err.refusals] == [
        ("unknown_reason", None),
        ("store_required", None),
        ("final_sale", "O-AB-3"),
        ("exceeds_returnable", "O-AB-2"),
        ("not_delivered", "O-AB-4"),
    ]
    assert err.extra()["refusals"][3] == {
        "rule": "exceeds_returnable",
        "message": 'lines[1] (line "O-AB-2"): qty 2 exceeds 1 returnable '
        "(delivered 2, already returned 1)",
        "line_id": "O-AB-2",
        "index": 1,
    }


def test_a_line_may_break_several_rules_at_once():
    err = refusals(request(("O-AB-3", 2)), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert [r.rule for r in err.refusals] == ["final_sale", "window_closed", "exceeds_returnable"]


def test_a_web_purchase_may_be_returned_in_a_store_that_accepts_returns():
    approved = check_return(
        request(("O-AB-1", 1), method="in_store", store="S-PARIS"), ORDER, POLICY, NOW, NODES
    )
    assert approved.store == "S-PARIS"
    assert approved.method is Method.IN_STORE
    assert approved.cross_channel


def test_a_store_purchase_may_be_returned_by_mail_and_that_is_cross_channel():
    store_order = replace(ORDER, channel=Channel.STORE)
    approved = check_return(request(("O-AB-1", 1)), store_order, POLICY, NOW, NODES)
    assert approved.purchase_channel is Channel.STORE
    assert approved.cross_channel
    in_store = request(("O-AB-1", 1), method="in_store", store="S-PARIS")
    assert not check_return(in_store, store_order, POLICY, NOW, NODES).cross_channel


def test_a_mail_return_ignores_the_store_field():
    approved = check_return(request(("O-AB-1", 1), store="S-LILLE"), ORDER, POLICY, NOW, NODES)
    assert approved.store is None
