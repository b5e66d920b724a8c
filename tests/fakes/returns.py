"""Fake of the returns context's repository."""

from __future__ import annotations

from oms.returns.records import ReturnAuthorization, ReturnLine
from tests.fakes.base import FakeRepository


class FakeReturns(FakeRepository[ReturnAuthorization]):
    entity = ReturnAuthorization


class FakeReturnLines(FakeRepository[ReturnLine]):
    entity = ReturnLine
    key = ("return_id", "order_line_id")
