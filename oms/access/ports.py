"""What the access services need of a unit of work: API keys, store sessions, and whether a
store key's node exists."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from oms.access.model import ApiKey, StoreSession
from oms.domain.ports import Repository
from oms.inventory.model import Node


class ApiKeys(Repository[ApiKey], Protocol):
    def by_hash(self, key_hash: str) -> ApiKey | None: ...

    def newest_first(self) -> list[ApiKey]:
        """Every key, newest first (revoked and expired ones too)."""
        ...

    def lock_active_ops(self) -> list[ApiKey]:
        """The ops keys not revoked, locked in id order and read as committed now: of two
        concurrent revocations, the second waits for the first and sees it."""
        ...

    def reload(self, key_id: str, *, lock: bool) -> ApiKey:
        """The key read again as committed now, locked when asked."""
        ...


class StoreSessions(Repository[StoreSession], Protocol):
    def find_with_key(self, session_id: str) -> StoreSession | None:
        """The session; its key is read along (``api_keys.find`` of it costs nothing more)."""
        ...

    def remove_id(self, session_id: str) -> bool: ...

    def remove_expired(self, now: datetime) -> int: ...


class NodeFinder(Protocol):
    def find(self, key: object) -> Node | None: ...


class KeyReads(Protocol):
    @property
    def api_keys(self) -> ApiKeys: ...


class KeysUnitOfWork(KeyReads, Protocol):
    @property
    def nodes(self) -> NodeFinder: ...

    def commit(self) -> None: ...


class SessionReads(KeyReads, Protocol):
    @property
    def store_sessions(self) -> StoreSessions: ...


class SessionsUnitOfWork(SessionReads, Protocol):
    def commit(self) -> None: ...
