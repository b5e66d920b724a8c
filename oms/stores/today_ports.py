"""What the store's Today page reads: how many items wait in each queue of the store, in a few
grouped queries (SQL in ``oms/db/repositories/store_today.py``, a fake in the tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from oms.stores.ports import Nodes


@dataclass(frozen=True)
class QueueCounts:
    to_pick: int = 0  # open picks at the store
    to_pack: int = 0  # shipments the store picked and must ship (not its own pickups)
    ready_for_pickup: int = 0  # orders ready at the store's counter
    overdue_pickups: int = 0  # of those: past their hold (expires_at) or their slot's end
    incoming_transfers: int = 0  # shipments from other nodes for pickups here, on their way
    returns_to_receive: int = 0  # in-store returns at the store, not received yet
    counts_requested: int = 0  # stock counts waiting for the associate


class StoreQueues(Protocol):
    def counts(self, node_id: str, now: datetime) -> QueueCounts: ...

    def units_allocated(self, node_id: str, start: datetime, end: datetime) -> int:
        """Units allocated at the node by shipments created in [start, end), live ones."""
        ...


class TodayUnitOfWork(Protocol):
    @property
    def nodes(self) -> Nodes: ...

    @property
    def store_queues(self) -> StoreQueues: ...
