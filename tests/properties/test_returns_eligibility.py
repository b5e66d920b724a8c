"""Eligibility over any sequence of requests: a unit is never returned twice, and a request is
approved exactly when a plain model of the rules says so."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.returns import (
    Channel,
    OrderFacts,
    OrderLineFacts,
    RequestLine,
    ReturnPolicy,
    ReturnRefused,
    ReturnRequest,
    check_return,
)

NOW = datetime(2026, 9, 15, tzinfo=UTC)
DELIVERED = datetime(2026, 9, 1, tzinfo=UTC)
EXAMPLES = settings(max_examples=200, deadline=None)
QTYS = [0, 1, 1, 1, 2, 2, 3, 4]  # mostly valid quantities, sometimes 0


@st.composite
def order_lines(draw: st.DrawFn, i: int) -> OrderLineFacts:
    qty = draw(st.integers(1, 4))
    return OrderLineFacts(
        f"L{i}",
        f"SKU-{i}",
        qty,
        delivered_qty=draw(st.sampled_from([0, qty, qty, qty]) | st.integers(0, qty)),
        returned_qty=0,
        unit_price_minor=1000,
        final_sale=draw(st.integers(0, 7)) == 0,  # one line in eight
    )


@st.composite
def orders_and_requests(draw: st.DrawFn) -> tuple[OrderFacts, list[ReturnRequest]]:
    n = draw(st.integers(1, 4))
    lines = tuple(draw(order_lines(i)) for i in range(n))
    order = OrderFacts("O", draw(st.sampled_from(list(Channel))), lines, delivered_at=DELIVERED)
    request_line = st.builds(
        RequestLine, st.sampled_from([f"L{i}" for i in range(n)]), st.sampled_from(QTYS)
    )
    # Mostly well-formed requests (distinct lines), sometimes empty or with a line twice.
    lines_of_request = st.lists(request_line, min_size=1, max_size=3, unique_by=lambda r: r.line_id)
    requests = draw(
        st.lists(
            (lines_of_request | st.lists(request_line, max_size=3)).map(
                lambda ls: ReturnRequest(tuple(ls), "changed_mind", "mail")
            ),
            max_size=8,
        )
    )
    return order, requests


def model_approves(request: ReturnRequest, order: OrderFacts) -> bool:
    by_id = {line.line_id: line for line in order.lines}
    ids = [r.line_id for r in request.lines]
    return (
        bool(ids)
        and len(set(ids)) == len(ids)
        and all(
            r.qty >= 1
            and not by_id[r.line_id].final_sale
            and by_id[r.line_id].delivered_qty > 0
            and r.qty <= by_id[r.line_id].delivered_qty - by_id[r.line_id].returned_qty
            for r in request.lines
        )
    )


@EXAMPLES
@given(orders_and_requests())
def test_no_sequence_of_requests_returns_more_units_than_were_delivered(case):
    order, requests = case
    for request in requests:
        expected = model_approves(request, order)
        try:
            approved = check_return(request, order, ReturnPolicy(), NOW, {})
        except ReturnRefused as err:
            assert not expected
            assert err.refusals
            assert {r.line_id for r in err.refusals} <= {r.line_id for r in request.lines} | {None}
            continue
        assert expected
        added = {a.line_id: a.qty for a in approved.lines}
        order = replace(
            order,
            lines=tuple(
                replace(line, returned_qty=line.returned_qty + added.get(line.line_id, 0))
                for line in order.lines
            ),
        )
        assert all(line.returned_qty <= line.delivered_qty for line in order.lines)
