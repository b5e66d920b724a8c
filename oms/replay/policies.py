"""The report's "policies side by side" section: each policy in two sentences, its cost next to
the others', and what looking ahead is worth against what hindsight would have saved.

Written for an analyst who must tell a board what a policy is worth on their network: plain
words, one yardstick (the hindsight optimum, `hindsight.py`), and the published method's own
figure beside ours (Acimovic & Graves, M&SOM 2015: their look-ahead captured 36% of the gap
between myopic and clairvoyant decisions on a large US retailer's data).
"""

from __future__ import annotations

from dataclasses import dataclass

from oms.replay.runner import ReplayResult

EXPLAINED: dict[str, str] = {
    "online": (
        "Each order is sourced the moment it arrives, from the cheapest nodes for that order "
        "alone, found exactly. It never weighs what a later order might need, so it can take "
        "the only unit a later, nearby customer could have had."
    ),
    "lookahead": (
        "Each order is sourced the moment it arrives by the same exact search, but every unit "
        "carries a price: what it is worth to the demand forecast for the rest of the day (the "
        "duals of a transportation LP, Acimovic & Graves 2015), re-priced every hour. So scarce "
        "stock and a store's last units of capacity are kept for the customers who need them "
        "most, while no unit is ever left unfilled for a forecast."
    ),
    "wave": (
        "Orders are held for a few minutes and optimised together, with a proven bound on "
        "each wave. It sees more orders at once than online, but nothing of the orders after "
        "the wave."
    ),
    "nearest": (
        "Each line ships from the nearest node that has it, as many basic OMSs do. It ignores "
        "costs other than distance and splits freely."
    ),
    "priority": (
        "Each line ships from the first node in a fixed ranking that has it. It is what a "
        "sorted warehouse list gives."
    ),
    "fewest-splits": (
        "Each order ships from the fewest nodes that cover it, then the nearest. It saves "
        "parcels and pays for distance."
    ),
}
HINDSIGHT = (
    "The hindsight optimum is the best plan had the whole day been known in advance, still "
    "honouring when stock arrived, when nodes were down and when capacity changed. No policy "
    "deciding at arrival can beat it, so the gap to it is what better decisions could recover."
)
PUBLISHED = (
    "Acimovic & Graves (M&SOM 2015) report that pricing units by their LP duals captured 36% of "
    "the gap between myopic and clairvoyant decisions on a large US retailer's data."
)


@dataclass(frozen=True)
class PolicyRow:
    name: str
    explained: str
    cost: float
    gap_to_hindsight: float | None  # (cost - hindsight) / hindsight
    gap_closed: float | None  # (online - cost) / (online - hindsight)


def policy_rows(result: ReplayResult) -> list[PolicyRow]:
    """Each strategy replayed, explained, with its cost and where it sits between online and
    the hindsight optimum."""
    costs = {s.run.name: float(s.kpis["total_cost"] or 0.0) for s in result.strategies}
    best = result.hindsight.cost if result.hindsight is not None else None
    online = costs.get("online")
    rows = []
    for name, cost in costs.items():
        gap = (cost - best) / best if best else None
        closed = None
        if best is not None and online is not None and online - best > 1e-9:
            closed = (online - cost) / (online - best)
        rows.append(PolicyRow(name, EXPLAINED.get(name, ""), cost, gap, closed))
    return rows
