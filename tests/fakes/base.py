"""A repository over a dict, keyed as the table's primary key is."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from oms.domain.errors import OmsError
from oms.domain.ports import not_found

T = TypeVar("T")
_ids = itertools.count(1)  # autoincrement keys (allocations, notifications)


class FakeRepository(Generic[T]):
    entity: type[T]
    key: tuple[str, ...] = ("id",)
    missing: Callable[[object], OmsError]

    def __init__(self) -> None:
        self.rows: dict[object, T] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "missing" not in cls.__dict__ and hasattr(cls, "entity"):
            cls.missing = staticmethod(not_found(cls.entity.__name__.lower()))

    def _key(self, entity: T) -> object:
        values = tuple(getattr(entity, k) for k in self.key)
        return values[0] if len(values) == 1 else values

    def find(self, key: object) -> T | None:
        return self.rows.get(key)

    def get(self, key: object) -> T:
        found = self.rows.get(key)
        if found is None:
            raise self.missing(key)
        return found

    def add(self, entity: T) -> None:
        if self.key == ("id",) and getattr(entity, "id", 0) is None:
            entity.id = next(_ids)  # type: ignore[attr-defined]
        self.rows[self._key(entity)] = entity

    def add_now(self, entity: T) -> None:
        self.add(entity)

    def add_all_now(self, entities: Sequence[T]) -> None:
        for entity in entities:
            self.add(entity)

    def remove(self, entity: T) -> None:
        del self.rows[self._key(entity)]

    def list_by(self, *, order_by: str | tuple[str, ...] = (), **equals: object) -> list[T]:
        def matches(row: T) -> bool:
            for name, wanted in equals.items():
                value = getattr(row, name)
                if isinstance(wanted, tuple | list | set | frozenset):
                    if value not in wanted:
                        return False
                elif value != wanted:
                    return False
            return True

        found = [r for r in self.rows.values() if matches(r)]
        names = (order_by,) if isinstance(order_by, str) else order_by
        if names:
            found.sort(key=lambda r: tuple(getattr(r, n) for n in names))
        return found
