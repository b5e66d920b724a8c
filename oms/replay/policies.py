"""The report's "policies side by side" section: each policy in two sentences, its cost next to
the others', and what looking ahead is worth against what hindsight would have saved.

Written for an analyst who must tell a board what a policy is worth on their network: plain
words, one yardstick (the hindsight optimum, `hindsight.py`), and the published method's own
figure beside ours (Acimovic & Graves, M&SOM 2015: their look-ahead captured 36% of the gap
between myopic and clairvoyant decisions on a large US retailer's data).
"""

from __future__ import annotations

import html
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
    the hindsight optimum (`kpis.close_gaps`)."""
    return [
        PolicyRow(
            s.run.name,
            EXPLAINED.get(s.run.name, ""),
            float(s.kpis["total_cost"] or 0.0),
            _share(s.kpis.get("gap_to_hindsight")),
            _share(s.kpis.get("gap_closed")),
        )
        for s in result.strategies
    ]


def _share(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def policies_html(result: ReplayResult) -> str:
    """The report's section: a row per policy (how it decides, cost, gap to the hindsight
    optimum, gap closed against online), then what looking ahead is worth here."""
    e = html.escape
    policies = policy_rows(result)
    rows = "".join(
        f"<tr><th>{e(r.name)}</th><td>{e(r.explained)}</td>"
        f'<td class="num">{r.cost:,.2f}</td><td class="num">{_pct(r.gap_to_hindsight)}</td>'
        f'<td class="num">{_pct(r.gap_closed)}</td></tr>'
        for r in policies
    )
    best = result.hindsight
    if best is not None:
        rows += (
            f'<tr><th>hindsight optimum</th><td>{e(HINDSIGHT)}</td><td class="num">'
            f'{best.cost:,.2f}</td><td class="num">0.0%</td><td class="num">100.0%</td></tr>'
        )
    head = (
        "<tr><th>policy</th><th>how it decides</th><th>cost</th><th>gap to hindsight</th>"
        "<th>gap closed vs online</th></tr>"
    )
    return (
        "<h2>Policies side by side</h2>"
        f"<table>{head}{rows}</table><p>{e(_worth(policies))} {e(PUBLISHED)}</p>"
    )


def _worth(policies: list[PolicyRow]) -> str:
    """What looking ahead is worth on this day, in one sentence."""
    by_name = {r.name: r for r in policies}
    ahead, online = by_name.get("lookahead"), by_name.get("online")
    if ahead is None or online is None:
        return "Replay with online and lookahead to see what looking ahead is worth here."
    saved = online.cost - ahead.cost
    if ahead.gap_closed is None:
        return f"Looking ahead saved {saved:,.2f} over online on this day."
    return (
        f"Looking ahead saved {saved:,.2f} over online on this day, {_pct(ahead.gap_closed)} of "
        "what knowing the whole day in advance would have saved."
    )


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"
