"""Persistence: tables, engines, unit of work, the inventory ledger and migrations."""

# Every database path passes here: the entities are mapped onto the tables before any query.
from oms.db import orm as _orm  # noqa: F401
