"""What every context's unit of work offers, whatever stores it (cosmicpython's
``AbstractUnitOfWork`` and ``AbstractRepository``, as protocols).

Each context declares in its own ``ports.py`` the repositories it needs; the SQLAlchemy unit of
work (``oms/db/uow.py``) and the in-memory fake (``tests/fakes``) both provide them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from oms.domain.errors import NotFoundError
from oms.domain.events import DomainEvent

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


class Repository(Protocol[T]):
    """One kind of entity. ``get`` raises the kind's not-found error; ``list_by`` finds by
    equal fields (a tuple, list or set value means "one of"), ordered by ``order_by``."""

    def get(self, key: object) -> T: ...

    def find(self, key: object) -> T | None: ...

    def add(self, entity: T) -> None: ...

    def list_by(self, *, order_by: str | tuple[str, ...] = (), **equals: object) -> list[T]: ...


class UnitOfWork(Protocol):
    """A transaction: what it changed is kept on ``commit``; events raised in it are recorded
    with it and handed to the message bus as they are raised."""

    def emit(self, event: DomainEvent) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


def not_found(kind: str) -> Callable[[object], NotFoundError]:
    """The default error of a repository's ``get``: ``kind "key" does not exist``."""

    def error(key: object) -> NotFoundError:
        shown = "/".join(map(str, key)) if isinstance(key, tuple) else key
        return NotFoundError(f'{kind} "{shown}" does not exist')

    return error


class Commits(Protocol):
    def commit(self) -> None: ...


W = TypeVar("W", bound=Commits)


def committed(step: Callable[Concatenate[W, P], R]) -> Callable[Concatenate[W, P], R]:
    """The command that runs ``step`` in the unit of work and commits it: a step composes into
    other commands' transactions, the command is what a caller runs on its own."""

    def command(uow: W, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result = step(uow, *args, **kwargs)
        uow.commit()
        return result

    command.__name__ = command.__qualname__ = f"committed_{step.__name__}"
    command.__doc__ = f"``{step.__name__}``, committed. {step.__doc__ or ''}".strip()
    return command
