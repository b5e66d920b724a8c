"""Repositories of the network and catalog (nodes, SKUs) and of access (API keys, store
sessions)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Integer, cast, func, select

from oms.access.model import ApiKey, StoreSession
from oms.db.repositories.base import SqlRepository
from oms.inventory.errors import UnknownNode, UnknownSku
from oms.inventory.model import Node, Sku


class SqlNodes(SqlRepository[Node]):
    entity = Node
    missing = staticmethod(lambda key: UnknownNode(str(key)))

    def signature(self) -> tuple[object, ...]:
        c = self.table.c
        stmt = select(func.count(c.id), func.sum(cast(c.enabled, Integer)), func.max(c.id))
        return tuple(self.session.execute(stmt).one())


class SqlSkus(SqlRepository[Sku]):
    entity = Sku
    missing = staticmethod(lambda key: UnknownSku(str(key)))

    def existing(self, sku_ids: Sequence[str]) -> list[str]:
        c = self.table.c
        return list(self.session.scalars(select(c.id).where(c.id.in_(list(sku_ids)))))


class SqlApiKeys(SqlRepository[ApiKey]):
    entity = ApiKey


class SqlStoreSessions(SqlRepository[StoreSession]):
    entity = StoreSession
