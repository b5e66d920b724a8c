"""Explaining a sourcing decision (issue 18): the sourcer's decision for one order, then its
explanation (the node sets compared, each filled and priced by the one cost function), over the
online benchmark's networks of 200 and 1,000 nodes, for its 3-line and 10-line orders. The stock
holds the cart's SKUs only, as the service's snapshot does. Compile time is excluded.
Run: `.venv/bin/pytest benchmarks/test_bench_explain.py --benchmark-only`.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.test_bench_online import network, ten_line_order, three_line_order
from oms.sourcing.explain import Explanation, OneOrder, explain_order
from oms.sourcing.online import NetworkArrays, OnlineSourcer, warm_up

ORDERS = {"3-line": three_line_order, "10-line": ten_line_order}


def decide_and_explain(sourcer: OnlineSourcer, order: OneOrder) -> Explanation:
    d = sourcer.source_order(
        order.stock, order.cap_left, order.line_sku, order.line_qty, order.dest_lat, order.dest_lon
    )
    rows = list(zip(d.line.tolist(), d.node.tolist(), d.qty.tolist(), strict=True))
    return explain_order(order, rows)


@pytest.mark.parametrize("shape", list(ORDERS))
@pytest.mark.parametrize("n_nodes", [200, 1000])
def test_explain_one_order(benchmark, n_nodes: int, shape: str) -> None:
    warm_up()
    problem = network(n_nodes)
    line_sku, qty, lat, lon = ORDERS[shape](problem)
    rows, line_row = np.unique(line_sku, return_inverse=True)  # the cart's SKUs only
    order = OneOrder(
        nodes=problem.nodes,
        enabled=np.ones(len(problem.nodes), dtype=np.bool_),
        settings=problem.settings,
        sku_ids=[problem.sku_ids[r] for r in rows.tolist()],
        stock=np.ascontiguousarray(problem.stock[rows]),
        cap_left=problem.nodes.capacity.copy(),
        line_sku=line_row.astype(np.int64),
        line_qty=qty,
        dest_lat=lat,
        dest_lon=lon,
    )
    sourcer = OnlineSourcer(NetworkArrays.from_nodes(problem.nodes), problem.settings)
    why = benchmark(decide_and_explain, sourcer, order)
    assert why.alternatives and all(a.extra_cost >= -1e-6 for a in why.alternatives)
