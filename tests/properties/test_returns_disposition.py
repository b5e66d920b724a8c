"""Disposition is total, keeps each condition's promise, and restocked units reach ATP once."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.returns import (
    Condition,
    Disposition,
    ReceivedLine,
    ReturnNode,
    ReturnPolicy,
    StockNeed,
    decide_receipt,
    restock_rows,
)

EXAMPLES = settings(max_examples=200, deadline=None)
SKUS = ["A", "B"]
NODE_IDS = ["DC-1", "DC-2", "S-1", "S-2"]
SELLABLE_OUTCOMES = {Disposition.RESTOCK, Disposition.TRANSFER_TO_DC}

nodes_st = st.tuples(
    *[
        st.builds(
            lambda lat, lon, base, per_km, node_id=node_id: ReturnNode(
                node_id,
                "warehouse" if node_id.startswith("DC") else "store",
                lat,
                lon,
                True,
                base,
                per_km,
            ),
            st.floats(41.0, 51.0),
            st.floats(-5.0, 9.0),
            st.floats(0.0, 10.0),
            st.floats(0.0, 0.02),
        )
        for node_id in NODE_IDS
    ]
).flatmap(lambda ns: st.lists(st.sampled_from(ns), min_size=1, max_size=4, unique=True))
lines_st = st.lists(
    st.builds(
        ReceivedLine,
        st.sampled_from([f"L{i}" for i in range(10)]),
        st.sampled_from(SKUS),
        st.integers(1, 5),
        st.sampled_from(list(Condition)),
        st.integers(0, 10_000),
        st.booleans(),
    ),
    max_size=6,
)
needs_st = st.dictionaries(
    st.tuples(st.sampled_from(NODE_IDS), st.sampled_from(SKUS)),
    st.builds(StockNeed, st.integers(0, 10), st.floats(0.0, 12.0)),
)


@EXAMPLES
@given(nodes_st, st.data(), lines_st, needs_st)
def test_every_received_line_gets_one_decision_that_fits_its_condition(nodes, data, lines, needs):
    at = data.draw(st.sampled_from(nodes))
    decisions = decide_receipt(lines, at, nodes, needs, ReturnPolicy())
    assert [(d.line_id, d.sku, d.qty) for d in decisions] == [
        (x.line_id, x.sku, x.qty) for x in lines
    ]
    for line, d in zip(lines, decisions, strict=True):
        assert d.disposition in Disposition
        assert d.reason
        if line.condition is Condition.SELLABLE:
            assert d.disposition in SELLABLE_OUTCOMES
        else:
            assert d.disposition not in SELLABLE_OUTCOMES and d.node_id is None
        if d.disposition is Disposition.RESTOCK:
            assert d.node_id == at.node_id
        if d.disposition is Disposition.TRANSFER_TO_DC:
            target = next(n for n in nodes if n.node_id == d.node_id)
            assert target.is_dc and target.node_id != at.node_id


@EXAMPLES
@given(nodes_st, st.data(), lines_st, needs_st)
def test_restocked_units_appear_in_atp_exactly_once(nodes, data, lines, needs):
    at = data.draw(st.sampled_from(nodes))
    decisions = decide_receipt(lines, at, nodes, needs, ReturnPolicy())
    atp = Counter({key: need.atp for key, need in needs.items()})
    before = atp.copy()
    for row in restock_rows(decisions):  # what the ledger applies
        atp[(row.node_id, row.sku_id)] += row.qty
    restocked = Counter()
    for d in decisions:
        if d.disposition is Disposition.RESTOCK:
            restocked[(d.node_id, d.sku)] += d.qty
    assert {k: atp[k] - before[k] for k in atp if atp[k] != before[k]} == dict(restocked)
    rows = restock_rows(decisions)
    assert len({(r.node_id, r.sku_id) for r in rows}) == len(rows)
