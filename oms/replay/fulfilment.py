"""What happens around a strategy's plan: shelves that disagree with the system, stock seen at
arrival, and returns. Each function replays one run against the day's draws (`Day`), so every
strategy meets the same shelves and the same customers.
"""

from __future__ import annotations

import numpy as np

from oms.replay.day import Day
from oms.replay.scenario_types import Receipt, ReturnsRateChange
from oms.replay.simulate import StrategyRun
from oms.sourcing.contract import F64, I64, B

RECEIPT, PICK = 0, 1  # at equal times a receipt is on the shelf before a pick


def short_picks(day: Day, run: StrategyRun) -> I64 | None:
    """Per allocation row, units the picker did not find (None when the scenario has no stock
    accuracy model).

    A stock record with phantom units holds that many fewer on the shelf than in the system
    (`Day.phantom`). Picks at a record take real units first, in the order the strategy released
    them; receipts add real units; a pick beyond the real units is short by the difference. The
    system count is not corrected during the day (counts are fixed overnight), so sourcing keeps
    trusting it."""
    if day.phantom is None:
        return None
    a, o = run.allocations, day.problem.orders
    n_nodes = len(day.problem.nodes)
    phantom = day.phantom.ravel()
    key = o.line_sku[a.line] * n_nodes + a.node
    rows = np.flatnonzero(phantom[key] > 0)
    short = np.zeros(len(a), dtype=np.int64)
    if not len(rows):
        return short
    receipts = [
        (e.sku * n_nodes + e.node, e.at_s, e.qty)
        for e in day.scenario.events
        if isinstance(e, Receipt) and phantom[e.sku * n_nodes + e.node] > 0
    ]
    keys = np.concatenate([key[rows], np.array([r[0] for r in receipts], dtype=np.int64)])
    times = np.concatenate([run.release_s[a.order[rows]], [r[1] for r in receipts]])
    kinds = np.concatenate([np.full(len(rows), PICK), np.full(len(receipts), RECEIPT)])
    seq = np.concatenate([rows, np.full(len(receipts), -1)])
    qty = np.concatenate([a.qty[rows], np.array([r[2] for r in receipts], dtype=np.int64)])
    order = np.lexsort((seq, kinds, times, keys))
    shelf = np.maximum(day.problem.stock.ravel() - phantom, 0)
    left: dict[int, int] = {}
    for k, kind, q, row in zip(
        keys[order].tolist(),
        kinds[order].tolist(),
        qty[order].tolist(),
        seq[order].tolist(),
        strict=True,
    ):
        units = left.get(k, int(shelf[k]))
        if kind == RECEIPT:
            units += q
        else:
            got = min(q, units)
            short[row] = q - got
            units -= got
        left[k] = units
    return short


def available_lines(day: Day, run: StrategyRun) -> B:
    """Per order line: did the nodes that were up hold at least its quantity of its SKU (system
    count) when the order arrived, after every decision the strategy had made before?

    Decisions are placed at their release time (an order's own allocations come after its
    arrival); receipts at their time, before orders arriving then. Stock at nodes that are down
    is left out (`StrategyRun.withheld`, the state after the last event before the arrival)."""
    a, o, p = run.allocations, day.problem.orders, day.problem
    receipts = [e for e in day.scenario.events if isinstance(e, Receipt)]
    n_lines, n_alloc = len(o.line_qty), len(a)
    sku = np.concatenate([o.line_sku, o.line_sku[a.line], [e.sku for e in receipts]])
    when = np.concatenate(
        [day.arrival_s[o.line_order], run.release_s[a.order], [e.at_s for e in receipts]]
    )
    seq = np.concatenate([o.line_order, a.order, np.full(len(receipts), -1)])
    is_change = np.concatenate([np.zeros(n_lines), np.ones(n_alloc + len(receipts))])
    received = np.array([e.qty for e in receipts], dtype=np.int64)
    delta = np.concatenate([np.zeros(n_lines, dtype=np.int64), -a.qty, received])
    order = np.lexsort((is_change, seq, when, sku))
    sku_s, running = sku[order].astype(np.int64), np.cumsum(delta[order])
    first = np.searchsorted(sku_s, sku_s, side="left")
    before_group = np.concatenate([np.zeros(1, dtype=np.int64), running])[first]
    level = np.empty(len(order), dtype=np.int64)
    level[order] = p.stock.sum(axis=1)[sku_s] + running - before_group
    era = np.searchsorted([e.at_s for e in day.scenario.events], day.arrival_s, side="right")
    withheld = run.withheld[era[o.line_order], o.line_sku]
    available: B = level[:n_lines] - withheld >= o.line_qty
    return available


def returns_rate_per_order(day: Day) -> F64 | None:
    """The returns rate in force when each order arrived (None without a returns model)."""
    model = day.scenario.returns
    if model is None:
        return None
    changes = [e for e in day.scenario.events if isinstance(e, ReturnsRateChange)]
    rates = np.array([model.rate, *(e.rate for e in changes)])
    era = np.searchsorted([e.at_s for e in changes], day.arrival_s, side="right")
    out: F64 = rates[era]
    return out


def returned_units(day: Day, filled: I64) -> tuple[I64, B] | None:
    """Per line: units returned and whether they are dropped off in a store (else mailed back;
    None without a returns model). A line with filled units is returned whole when its draw falls
    below the rate in force at its order's arrival; pickup orders come back to a store, home
    deliveries do with the model's store share. Returns arrive after the simulated day: they are
    counted, not restocked."""
    rate = returns_rate_per_order(day)
    model = day.scenario.returns
    if rate is None or model is None:
        return None
    o = day.problem.orders
    returned = np.where(day.return_draw < rate[o.line_order], filled, 0).astype(np.int64)
    in_store = o.is_pickup[o.line_order] | (day.store_draw < model.store_share)
    return returned, in_store
