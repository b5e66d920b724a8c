"""What a transaction changed that in-memory caches mirror: the SKUs whose stock moved and
whether the network (nodes) changed. Writers mark the session; a listener on a session factory
hears of it once the transaction commits, so caches drop exactly what went stale, and never
before the change is visible to other sessions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

_SKUS = "oms.changed_skus"
_NODES = "oms.changed_nodes"


def stock_changed(session: Session, sku_id: str) -> None:
    session.info.setdefault(_SKUS, set()).add(sku_id)


def nodes_changed(session: Session) -> None:
    session.info[_NODES] = True


def on_commit(
    factory: sessionmaker[Session], listener: Callable[[frozenset[str], bool], None]
) -> None:
    """Call ``listener(skus, nodes)`` after each commit that changed stock or nodes."""

    def committed(session: Session) -> None:
        skus = frozenset(session.info.pop(_SKUS, ()))
        nodes = bool(session.info.pop(_NODES, False))
        if skus or nodes:
            listener(skus, nodes)

    def rolled_back(session: Session, _previous: object) -> None:
        # A rolled-back change never happened; a nested rollback may over-report (harmless).
        if not session.in_transaction():
            session.info.pop(_SKUS, None)
            session.info.pop(_NODES, None)

    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_soft_rollback", rolled_back)
