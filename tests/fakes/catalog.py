"""Fakes of the network, catalog and access repositories."""

from __future__ import annotations

from oms.access.model import ApiKey, StoreSession
from oms.inventory.errors import UnknownNode, UnknownSku
from oms.inventory.model import Node, Sku
from tests.fakes.base import FakeRepository


class FakeNodes(FakeRepository[Node]):
    entity = Node
    missing = staticmethod(lambda key: UnknownNode(str(key)))

    def signature(self) -> tuple[object, ...]:
        ids = sorted(str(k) for k in self.rows)
        enabled = sum(1 for n in self.rows.values() if n.enabled)
        return (len(ids), enabled, ids[-1] if ids else None)


class FakeSkus(FakeRepository[Sku]):
    entity = Sku
    missing = staticmethod(lambda key: UnknownSku(str(key)))

    def existing(self, sku_ids: list[str]) -> list[str]:
        return [s for s in sku_ids if s in self.rows]


class FakeApiKeys(FakeRepository[ApiKey]):
    entity = ApiKey


class FakeStoreSessions(FakeRepository[StoreSession]):
    entity = StoreSession
