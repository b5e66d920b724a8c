"""Bodies of the sourcing explanations: POST /v1/sourcing/explain (a cart) and
GET /v1/orders/{id}/explain (an order's plan, re-decided now)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from oms.api.fields import Ident
from oms.api.schemas import PromiseIn
from oms.orders.explain import OrderExplained
from oms.promise.explain import Explained
from oms.sourcing.contract import CostBreakdown
from oms.sourcing.explain import Alternative, PlanRow, PricedPlan

Verdict = Literal["no_stock", "capacity", "max_shipments", "dominated", "costlier", "tied"]
MONEY = 4  # decimals kept: enough to see a tie from a cent


class ExplainIn(PromiseIn):
    """The promise's body (lines, and a destination or an address), or a pickup store."""

    pickup_node: Ident | None = Field(
        default=None,
        description="explain the plan for collecting the cart at this store (no destination "
        "needed); it must take pickups",
    )


class ExplainAllocationOut(BaseModel):
    line: int = Field(description="index of the line in the cart (0-based)")
    line_id: str | None = Field(default=None, description="the order line (order explain)")
    sku: str
    node: str
    qty: int
    lookahead_price: float | None = Field(
        default=None,
        description="under the look-ahead policy: the opportunity price of each unit taken "
        "there (what the demand still to come today would lose)",
    )


class CostOut(BaseModel):
    """The contract's cost (the one cost function): total = shipping + handling + split +
    unfilled."""

    total: float
    shipping: float
    handling: float
    split: float
    unfilled: float

    @staticmethod
    def of(c: CostBreakdown) -> CostOut:
        r = MONEY
        return CostOut(
            total=round(c.total, r),
            shipping=round(c.shipping, r),
            handling=round(c.handling, r),
            split=round(c.split, r),
            unfilled=round(c.unfilled, r),
        )


class PlanOut(BaseModel):
    nodes: list[str] = Field(description="the nodes shipping (one shipment each)")
    allocations: list[ExplainAllocationOut]
    cost: CostOut
    shipments: int
    unfilled_units: int
    stock_value: float | None = Field(
        default=None, description="look-ahead policy: the prices of the units used"
    )
    objective: float = Field(description="what the sourcer minimises: cost.total + stock_value")


class AlternativeOut(PlanOut):
    verdict: Verdict = Field(
        description="why the sourcer did not choose it: `no_stock` (the nodes lack units of a "
        "SKU), `capacity` (their capacity left is short), `max_shipments` (more shipments than "
        "the order allows), `dominated` (a node would carry nothing: a smaller set's plan), "
        "`costlier` (feasible, dearer by extra_cost), `tied` (feasible, as cheap; the search's "
        "order chose)"
    )
    detail: str = Field(description="the reason in words, naming the SKU, node or amount")
    extra_cost: float = Field(description="objective over the chosen plan's")


class ExplanationOut(PlanOut):
    """The chosen plan, flat, and the alternatives."""

    alternatives: list[AlternativeOut] = Field(
        description="the cheapest feasible alternatives first (at most 5), then the cheapest "
        "rejection of each other kind"
    )
    sets_considered: int = Field(description="node sets the explanation compared")
    policy: str = Field(description="the live sourcing policy: `online` or `lookahead`")
    priced: bool = Field(description="look-ahead prices applied to this decision")
    as_of: str = Field(description="when the stock was read (UTC, ISO 8601)")

    @staticmethod
    def of(found: Explained, line_ids: list[str] | None = None) -> ExplanationOut:
        why = found.why
        return ExplanationOut(
            **plan_fields(why.chosen, line_ids),
            alternatives=[alternative_out(a, line_ids) for a in why.alternatives],
            sets_considered=why.sets_considered,
            policy=found.policy,
            priced=found.priced,
            as_of=found.as_of.isoformat(),
        )


def plan_fields(plan: PricedPlan, line_ids: list[str] | None = None) -> dict[str, Any]:
    """A plan's fields as PlanOut names them."""
    value = None if plan.stock_value is None else round(plan.stock_value, MONEY)
    return {
        "nodes": plan.nodes,
        "allocations": [allocation_out(r, line_ids) for r in plan.rows],
        "cost": CostOut.of(plan.cost),
        "shipments": plan.shipments,
        "unfilled_units": plan.unfilled_units,
        "stock_value": value,
        "objective": round(plan.objective, MONEY),
    }


def allocation_out(row: PlanRow, line_ids: list[str] | None) -> ExplainAllocationOut:
    return ExplainAllocationOut(
        line=row.line,
        line_id=None if line_ids is None else line_ids[row.line],
        sku=row.sku,
        node=row.node,
        qty=row.qty,
        lookahead_price=row.lookahead_price,
    )


def alternative_out(a: Alternative, line_ids: list[str] | None) -> AlternativeOut:
    return AlternativeOut(
        **plan_fields(a.plan, line_ids),
        verdict=a.verdict,  # type: ignore[arg-type]
        detail=a.detail,
        extra_cost=round(a.extra_cost, MONEY),
    )


class FixedAllocationOut(BaseModel):
    line_id: str
    sku: str
    node: str
    qty: int
    status: str = Field(description="why it can no longer move: its shipment's or line's status")


class OrderExplanationOut(BaseModel):
    order_id: str
    current: PlanOut | None = Field(
        description="the order's open allocations (not yet picking) priced by the one cost "
        "function; null when nothing is open"
    )
    fixed: list[FixedAllocationOut] = Field(
        description="allocations that can no longer move (picking, picked, shipped, ...)"
    )
    agrees: bool | None = Field(
        description="the sourcer would choose the same nodes now (null when nothing is open)"
    )
    now: ExplanationOut | None = Field(
        description="the sourcer's decision for the open units now, against the stock now "
        "with the order's own held units given back, and its rejected alternatives"
    )

    @staticmethod
    def of(found: OrderExplained) -> OrderExplanationOut:
        ids = found.line_ids
        current = found.current
        return OrderExplanationOut(
            order_id=found.order_id,
            current=None if current is None else PlanOut(**plan_fields(current, ids)),
            fixed=[FixedAllocationOut(**vars(f)) for f in found.fixed],
            agrees=found.agrees,
            now=None if found.now is None else ExplanationOut.of(found.now, ids),
        )
