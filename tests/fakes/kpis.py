"""The live KPIs' facts in memory: tests put facts in, the service reads them by period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from oms.kpis.ports import CountFact, OrderFact, PromiseTally, ReturnFact


class FakeKpiFacts:
    def __init__(self) -> None:
        self.order_facts: list[OrderFact] = []
        self.return_facts: list[ReturnFact] = []
        self.count_facts: list[CountFact] = []
        self.tallies: dict[datetime, PromiseTally] = {}

    def orders(self, start: datetime, end: datetime) -> list[OrderFact]:
        return [o for o in self.order_facts if start <= o.created_at < end]

    def returns(self, start: datetime, end: datetime) -> list[ReturnFact]:
        return [r for r in self.return_facts if start <= r.created_at < end]

    def promise_tallies(self, start: datetime, end: datetime) -> list[PromiseTally]:
        return [t for h, t in sorted(self.tallies.items()) if start <= h < end]

    def add_promise_tallies(self, tallies: Sequence[PromiseTally]) -> None:
        for t in tallies:
            had = self.tallies.get(t.hour, PromiseTally(t.hour, 0, 0))
            self.tallies[t.hour] = PromiseTally(
                t.hour, had.lines + t.lines, had.available + t.available
            )

    def stock_counts(self, start: datetime, end: datetime) -> list[CountFact]:
        return [c for c in self.count_facts if start <= c.counted_at < end]
