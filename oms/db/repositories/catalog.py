"""Repositories of the network and catalog (nodes, SKUs) and of access (API keys, store
sessions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, cast, delete, func, or_, select, true
from sqlalchemy.orm import Session

from oms.access.model import ApiKey, ApiRole, StoreSession
from oms.db import tables
from oms.db.commit_hooks import nodes_changed
from oms.db.repositories.base import SqlRepository
from oms.domain.errors import NotFoundError
from oms.inventory.errors import UnknownNode, UnknownSku
from oms.inventory.model import Node, Sku
from oms.promise.nodes import closed_for_orders, day_start


class SqlNodes(SqlRepository[Node]):
    entity = Node
    missing = staticmethod(lambda key: UnknownNode(str(key)))

    def signature(self) -> tuple[object, ...]:
        c = self.table.c
        stmt = select(func.count(c.id), func.sum(cast(c.enabled, Integer)), func.max(c.id))
        return tuple(self.session.execute(stmt).one())

    def closed_for_orders(self, now: datetime) -> frozenset[str]:
        c = self.table.c
        controlled = select(Node).where(or_(c.paused == true(), c.daily_order_limit.is_not(None)))
        return frozenset(
            node.id
            for node in self.session.scalars(controlled)
            if closed_for_orders(node, now, self._orders_today(node, now))
        )

    def orders_since(self, node_id: str, since: datetime) -> int:
        """Orders with a shipment created at the node since then (sourced there)."""
        c = tables.shipments.c
        stmt = select(func.count(func.distinct(c.order_id))).where(
            c.node_id == node_id, c.created_at >= since
        )
        return int(self.session.scalar(stmt) or 0)

    def _orders_today(self, node: Node, now: datetime) -> int:
        if node.daily_order_limit is None:
            return 0
        return self.orders_since(node.id, day_start(now, node.timezone))

    def changed(self) -> None:
        """Marks the session: the app's network cache hears of it once the transaction commits
        (``oms.db.changes``)."""
        nodes_changed(self.session)


class SqlSkus(SqlRepository[Sku]):
    entity = Sku
    missing = staticmethod(lambda key: UnknownSku(str(key)))

    def existing(self, sku_ids: Sequence[str]) -> list[str]:
        c = self.table.c
        return list(self.session.scalars(select(c.id).where(c.id.in_(list(sku_ids)))))


class SqlApiKeys(SqlRepository[ApiKey]):
    entity = ApiKey
    missing = staticmethod(lambda key: NotFoundError(f'API key "{key}" does not exist'))

    def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose hash this is (one indexed read)."""
        stmt = select(ApiKey).where(tables.api_keys.c.key_hash == key_hash)
        return self.session.scalars(stmt).first()

    def newest_first(self) -> list[ApiKey]:
        c = tables.api_keys.c
        return list(self.session.scalars(select(ApiKey).order_by(c.created_at.desc(), c.id.desc())))

    def lock_active_ops(self) -> list[ApiKey]:
        """The ops keys not revoked (expired ones too), locked in id order, as committed now."""
        c = tables.api_keys.c
        stmt = (
            select(ApiKey)
            .where(c.role == ApiRole.OPS, c.revoked.is_(False))
            .order_by(c.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(stmt))

    def reload(self, key_id: str, *, lock: bool) -> ApiKey:
        """The key as committed now (read again), locked when asked."""
        key = self.session.get(ApiKey, key_id, populate_existing=True, with_for_update=lock)
        if key is None:
            raise self.missing(key_id)
        return key


class SqlStoreSessions(SqlRepository[StoreSession]):
    entity = StoreSession

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._keys_read_along: list[ApiKey] = []

    def find_with_key(self, session_id: str) -> StoreSession | None:
        """The session, its key read in the same statement: ``api_keys.find(row.key_id)`` then
        costs no query (the store pages check both at every request)."""
        c, keys = tables.store_sessions.c, tables.api_keys.c
        stmt = (
            select(StoreSession, ApiKey)
            .join(ApiKey, keys.id == c.key_id)
            .where(c.id == session_id)
            .execution_options(populate_existing=True)
        )
        row = self.session.execute(stmt).first()
        if row is None:
            return None
        # The identity map holds objects weakly: kept here, the key is still in it when
        # api_keys.find(row.key_id) asks.
        self._keys_read_along.append(row[1])
        return row[0]

    def remove_id(self, session_id: str) -> bool:
        """Delete the session now; whether there was one."""
        stmt = delete(StoreSession).where(tables.store_sessions.c.id == session_id)
        return bool(getattr(self.session.execute(stmt), "rowcount", 0))

    def remove_expired(self, now: datetime) -> int:
        """Delete every session expired by ``now`` (indexed); how many."""
        stmt = delete(StoreSession).where(tables.store_sessions.c.expires_at <= now)
        return int(getattr(self.session.execute(stmt), "rowcount", 0) or 0)
