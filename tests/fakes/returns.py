"""Fake of the returns context's repository."""

from __future__ import annotations

from oms.returns.records import ReturnAuthorization
from tests.fakes.base import FakeRepository


class FakeReturns(FakeRepository[ReturnAuthorization]):
    entity = ReturnAuthorization
