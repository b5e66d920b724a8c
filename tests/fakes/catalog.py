"""Fakes of the network, catalog and access repositories."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from oms.access.model import ApiKey, ApiRole, StoreSession
from oms.domain.errors import NotFoundError
from oms.inventory.errors import UnknownNode, UnknownSku
from oms.inventory.model import Node, Sku
from oms.orders.model import Shipment
from oms.promise.nodes import closed_for_orders, day_start
from tests.fakes.base import FakeRepository


class FakeNodes(FakeRepository[Node]):
    entity = Node
    missing = staticmethod(lambda key: UnknownNode(str(key)))

    def __init__(self, shipments: Callable[[], Iterable[Shipment]] = list) -> None:
        super().__init__()
        self.network_changes = 0  # how many times the network cache was told
        self.shipments = shipments  # the unit of work's shipments (orders sourced to a node)

    def closed_for_orders(self, now: datetime) -> frozenset[str]:
        return frozenset(
            n.id
            for n in self.rows.values()
            if closed_for_orders(n, now, self.orders_since(n.id, day_start(now, n.timezone)))
        )

    def orders_since(self, node_id: str, since: datetime) -> int:
        return len(
            {s.order_id for s in self.shipments() if s.node_id == node_id and s.created_at >= since}
        )

    def signature(self) -> tuple[object, ...]:
        ids = sorted(str(k) for k in self.rows)
        enabled = sum(1 for n in self.rows.values() if n.enabled)
        return (len(ids), enabled, ids[-1] if ids else None)

    def changed(self) -> None:
        self.network_changes += 1


class FakeSkus(FakeRepository[Sku]):
    entity = Sku
    missing = staticmethod(lambda key: UnknownSku(str(key)))

    def existing(self, sku_ids: list[str]) -> list[str]:
        return [s for s in sku_ids if s in self.rows]


class FakeApiKeys(FakeRepository[ApiKey]):
    entity = ApiKey
    missing = staticmethod(lambda key: NotFoundError(f'API key "{key}" does not exist'))

    def by_hash(self, key_hash: str) -> ApiKey | None:
        return next((k for k in self.rows.values() if k.key_hash == key_hash), None)

    def newest_first(self) -> list[ApiKey]:
        return sorted(self.rows.values(), key=lambda k: (k.created_at, k.id), reverse=True)

    def lock_active_ops(self) -> list[ApiKey]:
        return self.list_by(role=ApiRole.OPS, revoked=False, order_by="id")

    def reload(self, key_id: str, *, lock: bool) -> ApiKey:
        return self.get(key_id)


class FakeStoreSessions(FakeRepository[StoreSession]):
    entity = StoreSession

    def find_with_key(self, session_id: str) -> StoreSession | None:
        return self.find(session_id)

    def remove_id(self, session_id: str) -> bool:
        return self.rows.pop(session_id, None) is not None

    def remove_expired(self, now: datetime) -> int:
        expired = [k for k, row in self.rows.items() if row.expires_at <= now]
        for key in expired:
            del self.rows[key]
        return len(expired)
