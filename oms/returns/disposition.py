"""Disposition at receipt: what becomes of each received line, by condition, need and value.

sellable:
  - received at a DC -> restock there;
  - the receiving node is short of the SKU (atp < expected demand) -> restock there;
  - otherwise the line goes to a DC: the one most short of the SKU (ties: nearest, then id), or
    the nearest DC when none is short. The transfer ships the line's units together from the
    receiving node, priced by the contract's cost rule; it happens when its cost (in minor
    units) is below the units' value, else the units are restocked where they are.
damaged:   unit value >= policy.refurbish_min_value_minor -> refurbish, else liquidate.
defective: never sold again as is: return to vendor when the vendor takes it back, else
           liquidate.
Every condition gets a decision (the rules are total). Restocks at the receiving node are the
only decisions that add ATP at once; `restock_rows` lists them for the ledger.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from oms.inventory.atp import StockRow, merge_rows
from oms.returns.model import NO_NEED, ReturnNode, StockNeed
from oms.returns.policy import ReturnPolicy
from oms.returns.routing import distances_km, shipping_costs


class Condition(StrEnum):
    SELLABLE = "sellable"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"


class Disposition(StrEnum):
    RESTOCK = "restock"
    TRANSFER_TO_DC = "transfer_to_dc"
    REFURBISH = "refurbish"
    RETURN_TO_VENDOR = "return_to_vendor"
    LIQUIDATE = "liquidate"


@dataclass(frozen=True)
class ReceivedLine:
    line_id: str
    sku: str
    qty: int
    condition: Condition
    unit_value_minor: int  # what one unit sells for (e.g. its price)
    vendor_returnable: bool = False  # the vendor takes defective units back for credit


@dataclass(frozen=True)
class Decision:
    line_id: str
    sku: str
    qty: int
    disposition: Disposition
    node_id: str | None  # where the units go: restock or transfer target; None otherwise
    reason: str


Needs = Mapping[tuple[str, str], StockNeed]


def decide(
    line: ReceivedLine,
    at: ReturnNode,
    dcs: Sequence[ReturnNode],
    needs: Needs,
    policy: ReturnPolicy,
) -> Decision:
    """The disposition of one received line at node `at`; `dcs` are the transfer targets."""
    if line.condition is Condition.SELLABLE:
        return _sellable(line, at, dcs, needs, policy)
    if line.condition is Condition.DAMAGED:
        if line.unit_value_minor >= policy.refurbish_min_value_minor:
            why = f"damaged, worth {line.unit_value_minor} >= {policy.refurbish_min_value_minor}"
            return _decision(line, Disposition.REFURBISH, None, why)
        why = f"damaged, worth {line.unit_value_minor} < {policy.refurbish_min_value_minor}"
        return _decision(line, Disposition.LIQUIDATE, None, why)
    if line.vendor_returnable:
        return _decision(line, Disposition.RETURN_TO_VENDOR, None, "defective, vendor takes it")
    return _decision(line, Disposition.LIQUIDATE, None, "defective, no vendor return")


def decide_receipt(
    lines: Sequence[ReceivedLine],
    at: ReturnNode,
    nodes: Sequence[ReturnNode],
    needs: Needs,
    policy: ReturnPolicy,
) -> list[Decision]:
    """Decide a receipt's lines in order; units placed by one line count for the next ones."""
    dcs = [n for n in nodes if n.is_dc and n.node_id != at.node_id]
    picture = dict(needs)
    out = []
    for line in lines:
        decision = decide(line, at, dcs, picture, policy)
        if decision.node_id is not None:
            key = (decision.node_id, line.sku)
            was = picture.get(key, NO_NEED)
            picture[key] = StockNeed(was.atp + line.qty, was.expected_demand)
        out.append(decision)
    return out


def restock_rows(decisions: Sequence[Decision]) -> list[StockRow]:
    """The ATP to add at once, one row per (node, sku), in lock order: restocks only (transferred
    units count where they arrive, when they arrive)."""
    return merge_rows(
        (d.node_id, d.sku, d.qty)
        for d in decisions
        if d.disposition is Disposition.RESTOCK and d.node_id is not None
    )


def _decision(line: ReceivedLine, what: Disposition, node: str | None, why: str) -> Decision:
    return Decision(line.line_id, line.sku, line.qty, what, node, why)


def _sellable(
    line: ReceivedLine,
    at: ReturnNode,
    dcs: Sequence[ReturnNode],
    needs: Needs,
    policy: ReturnPolicy,
) -> Decision:
    here = needs.get((at.node_id, line.sku), NO_NEED)
    if at.is_dc:
        return _decision(line, Disposition.RESTOCK, at.node_id, "sellable, received at a DC")
    if here.shortage > 0:
        why = f"sellable, node short: atp {here.atp} < expected demand {here.expected_demand:g}"
        return _decision(line, Disposition.RESTOCK, at.node_id, why)
    if not dcs:
        return _decision(line, Disposition.RESTOCK, at.node_id, "sellable, no DC to send it to")
    target, cost_minor = _transfer_target(line.sku, at, dcs, needs, policy)
    value = line.unit_value_minor * line.qty
    if cost_minor < value:
        why = f"sellable, node not short; transfer costs {cost_minor} < value {value}"
        return _decision(line, Disposition.TRANSFER_TO_DC, target.node_id, why)
    why = f"sellable, transfer to {target.node_id} costs {cost_minor} >= value {value}"
    return _decision(line, Disposition.RESTOCK, at.node_id, why)


def _transfer_target(
    sku: str, at: ReturnNode, dcs: Sequence[ReturnNode], needs: Needs, policy: ReturnPolicy
) -> tuple[ReturnNode, int]:
    """The DC most short of `sku` (ties: nearest, then id), and the transfer cost in minor
    units (rounded up, so a transfer is never cheaper than it is)."""
    dist = distances_km(dcs, at.lat, at.lon)
    short = [needs.get((dc.node_id, sku), NO_NEED).shortage for dc in dcs]
    best = min(range(len(dcs)), key=lambda i: (-short[i], float(dist[i]), dcs[i].node_id))
    cost = shipping_costs([at], dist[best : best + 1])[0] * policy.minor_per_major
    return dcs[best], math.ceil(float(cost))
