"""Fakes of the returns context's repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from oms.domain.ports import not_found
from oms.returns.records import ReturnAuthorization, ReturnLine
from tests.fakes.base import FakeRepository


class FakeReturns(FakeRepository[ReturnAuthorization]):
    entity = ReturnAuthorization
    missing = staticmethod(not_found("return"))

    def __init__(self) -> None:
        super().__init__()
        # Units sourced per (node, sku) in the demand window, as the test sets them: the fake
        # sees no other repository to count them from (the SQL one reads allocations).
        self.sourced: dict[tuple[str, str], int] = {}

    def units_sourced_since(
        self, sku_ids: Sequence[str], since: datetime
    ) -> dict[tuple[str, str], int]:
        return {key: units for key, units in self.sourced.items() if key[1] in set(sku_ids)}


class FakeReturnLines(FakeRepository[ReturnLine]):
    entity = ReturnLine
    key = ("return_id", "order_line_id")
