"""Repository of the returns context: RMAs and their lines."""

from __future__ import annotations

from oms.db.repositories.base import SqlRepository
from oms.returns.records import ReturnAuthorization, ReturnLine


class SqlReturns(SqlRepository[ReturnAuthorization]):
    entity = ReturnAuthorization


class SqlReturnLines(SqlRepository[ReturnLine]):
    entity = ReturnLine
