"""The SQLAlchemy side of ``oms.domain.ports.Repository``: get by primary key, add, find by
equal fields. Context repositories subclass it and add the queries their services need."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from oms.db.orm import MAPPED
from oms.domain.errors import OmsError
from oms.domain.ports import not_found

T = TypeVar("T")


class SqlRepository(Generic[T]):
    entity: type[T]
    missing: Callable[[object], OmsError]

    def __init__(self, session: Session) -> None:
        self.session = session

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if "missing" not in cls.__dict__ and hasattr(cls, "entity"):
            cls.missing = staticmethod(not_found(cls.entity.__name__.lower()))

    @property
    def table(self) -> Table:
        return MAPPED[self.entity]

    def find(self, key: object) -> T | None:
        return self.session.get(self.entity, key)

    def get(self, key: object) -> T:
        found = self.session.get(self.entity, key)
        if found is None:
            raise self.missing(key)
        return found

    def add(self, entity: T) -> None:
        """Written at the next flush (before any query of the same session)."""
        self.session.add(entity)

    def add_now(self, entity: T) -> None:
        """Written at once (with whatever else is pending): rows that name it may follow (there
        are no ORM relationships to order the inserts)."""
        self.session.add(entity)
        self.session.flush()

    def add_all_now(self, entities: Sequence[T]) -> None:
        """Written at once, together: rows that name them may follow."""
        self.session.add_all(entities)
        self.session.flush()

    def remove(self, entity: T) -> None:
        """Deleted at the next flush."""
        self.session.delete(entity)

    def list_by(self, *, order_by: str | tuple[str, ...] = (), **equals: object) -> list[T]:
        columns = self.table.c
        stmt = select(self.entity)
        for name, value in equals.items():
            column = columns[name]
            if isinstance(value, tuple | list | set | frozenset):
                stmt = stmt.where(column.in_(list(value)))
            else:
                stmt = stmt.where(column == value)
        names = (order_by,) if isinstance(order_by, str) else order_by
        stmt = stmt.order_by(*(columns[n] for n in names))
        return list(self.session.scalars(stmt))
