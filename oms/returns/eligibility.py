"""Eligibility of a return request: every rule is checked, every refusal collected, then one
`ReturnRefused` names each broken rule (and the line it concerns).

Request rules: at least one line; the reason is a known `Reason`; the method is `in_store` or
`mail`; an in-store return names a store that exists and accepts returns (mail returns ignore
`store`: routing picks their destination). Cross-channel is allowed both ways: web purchases may
be brought to any store that accepts returns, store purchases may be sent by mail.

Line rules, per requested line: the line is on the order and requested once; qty >= 1; the line
is delivered (delivered_qty > 0 and a delivery time is known); the return window (policy, by
purchase channel) has not closed: now <= delivered_at + window_days; its SKU is not final sale;
qty <= delivered_qty - returned_qty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

from oms.inventory.atp import is_quantity
from oms.returns.errors import Refusal, ReturnRefused
from oms.returns.model import (
    STORE,
    ApprovedReturn,
    LineApproval,
    OrderFacts,
    OrderLineFacts,
    RequestLine,
    ReturnNode,
    ReturnRequest,
)
from oms.returns.policy import Method, Reason, ReturnPolicy


def check_return(
    request: ReturnRequest,
    order: OrderFacts,
    policy: ReturnPolicy,
    now: datetime,
    nodes: Mapping[str, ReturnNode],
) -> ApprovedReturn:
    """The approved return, or `ReturnRefused` carrying every rule the request breaks."""
    refusals = [*_request_refusals(request, nodes), *_line_refusals(request, order, policy, now)]
    if refusals:
        raise ReturnRefused(order.order_id, refusals)
    by_id = {line.line_id: line for line in order.lines}
    approved = tuple(
        LineApproval(r.line_id, by_id[r.line_id].sku, r.qty, by_id[r.line_id].unit_price_minor)
        for r in request.lines
    )
    method = Method(request.method)
    return ApprovedReturn(
        order_id=order.order_id,
        lines=approved,
        reason=Reason(request.reason),
        method=method,
        store=request.store if method is Method.IN_STORE else None,
        purchase_channel=order.channel,
    )


def _request_refusals(request: ReturnRequest, nodes: Mapping[str, ReturnNode]) -> Iterator[Refusal]:
    if not request.lines:
        yield Refusal("no_lines", "a return needs at least one line")
    if request.reason not in set(Reason):
        known = ", ".join(r.value for r in Reason)
        yield Refusal("unknown_reason", f'reason "{request.reason}" is not one of: {known}')
    if request.method not in set(Method):
        yield Refusal("unknown_method", f'method "{request.method}" is not in_store or mail')
    elif request.method == Method.IN_STORE:
        yield from _store_refusals(request.store, nodes)


def _store_refusals(store: str | None, nodes: Mapping[str, ReturnNode]) -> Iterator[Refusal]:
    node = nodes.get(store) if store is not None else None
    if store is None:
        yield Refusal("store_required", "an in_store return must name the store")
    elif node is None:
        yield Refusal("unknown_store", f'store "{store}" does not exist')
    elif node.kind != STORE or not node.accepts_returns:
        yield Refusal(
            "store_not_accepting_returns", f'node "{store}" is not a store that accepts returns'
        )


def _line_refusals(
    request: ReturnRequest, order: OrderFacts, policy: ReturnPolicy, now: datetime
) -> Iterator[Refusal]:
    by_id = {line.line_id: line for line in order.lines}
    seen: set[str] = set()
    for i, req in enumerate(request.lines):
        where = f'lines[{i}] (line "{req.line_id}")'
        line = by_id.get(req.line_id)
        if line is None:
            rule, text = "unknown_line", f'no such line on order "{order.order_id}"'
        elif req.line_id in seen:
            rule, text = "duplicate_line", "the line is requested more than once"
        else:
            seen.add(req.line_id)
            for rule, text in _rules_of_line(req, line, order, policy, now):
                yield Refusal(rule, f"{where}: {text}", req.line_id, i)
            continue
        yield Refusal(rule, f"{where}: {text}", req.line_id, i)


def _rules_of_line(
    req: RequestLine, line: OrderLineFacts, order: OrderFacts, policy: ReturnPolicy, now: datetime
) -> Iterator[tuple[str, str]]:
    """(rule, message) for each rule the requested line breaks."""
    valid_qty = is_quantity(req.qty) and req.qty >= 1
    if not valid_qty:
        yield "invalid_qty", f"qty must be a whole number >= 1, got {req.qty!r}"
    if line.final_sale:
        yield "final_sale", f'sku "{line.sku}" is final sale'
    closes_at = window_closes_at(line, order, policy)
    if closes_at is None:
        yield "not_delivered", "line is not delivered yet"
        return
    days = policy.window_for(order.channel)
    if now > closes_at:
        yield "window_closed", f"return window of {days} days closed on {closes_at.date()}"
    if valid_qty and req.qty > line.returnable_qty:
        yield (
            "exceeds_returnable",
            f"qty {req.qty} exceeds {line.returnable_qty} returnable "
            f"(delivered {line.delivered_qty}, already returned {line.returned_qty})",
        )


def window_closes_at(
    line: OrderLineFacts, order: OrderFacts, policy: ReturnPolicy
) -> datetime | None:
    """When the line's return window closes: its delivery plus the channel's window; None
    while nothing of it is delivered."""
    delivered_at = order.delivered_at_of(line)
    if line.delivered_qty <= 0 or delivered_at is None:
        return None
    return delivered_at + timedelta(days=policy.window_for(order.channel))
