"""What a transaction changed that in-memory caches mirror: the stock levels it wrote and
whether the network (nodes) changed. Writers mark the session; a listener on a session factory
hears of it once the transaction commits, so caches follow exactly what changed, and never
before the change is visible to other sessions."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from oms.promise.ports import StockLevels

_LEVELS = "oms.changed_levels"
_NODES = "oms.changed_nodes"


def stock_level(session: Session, node_id: str, sku_id: str, atp: int, version: int) -> None:
    """A stock row now has this ATP at this version (the last write of the row wins)."""
    session.info.setdefault(_LEVELS, {})[(node_id, sku_id)] = (atp, version)


def nodes_changed(session: Session) -> None:
    session.info[_NODES] = True


def on_commit(
    factory: sessionmaker[Session], listener: Callable[[StockLevels, bool], None]
) -> None:
    """Call ``listener(levels, nodes)`` after each commit that changed stock or nodes."""

    def committed(session: Session) -> None:
        levels: StockLevels = session.info.pop(_LEVELS, {})
        nodes = bool(session.info.pop(_NODES, False))
        if levels or nodes:
            listener(levels, nodes)

    def rolled_back(session: Session, _previous: object) -> None:
        # A rolled-back change never happened; a nested rollback may over-report (harmless).
        if not session.in_transaction():
            session.info.pop(_LEVELS, None)
            session.info.pop(_NODES, None)

    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_soft_rollback", rolled_back)
