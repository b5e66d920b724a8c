"""Row-level SQL on the inventory table, used by the ledger (oms/db/ledger.py).

Every change is one conditional UPDATE: the guard is evaluated by the database on the row it is
about to write, so two transactions can never both take the last unit, whatever their isolation
level. RETURNING hands back the levels after the change (for the event) and the row version (for
the promise's stock cache), without a second query.
Statements are built once with bound parameters (:n node, :s sku, :q quantity) and run on the
session's connection: building SQLAlchemy expressions per call, or going through the ORM's
execution path, cost more than executing them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Update,
    and_,
    bindparam,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oms.db import commit_hooks, tables
from oms.inventory.atp import StockLevel
from oms.inventory.errors import UnknownNode, UnknownSku

INV = tables.inventory
C = INV.c
_Q = bindparam("q", type_=Integer)
_KEY = and_(C.node_id == bindparam("n"), C.sku_id == bindparam("s"))
_LEVELS = (C.on_hand, C.reserved, C.safety_stock)


def atp_sql() -> ColumnElement[int]:
    """ATP in SQL: the rule of oms.inventory.atp.atp, before its clamp at zero."""
    return C.on_hand - C.reserved - C.safety_stock


def _update(values: dict[str, Any], guard: ColumnElement[bool] | None = None) -> Update:
    where = _KEY if guard is None else and_(_KEY, guard)
    stmt = update(INV).where(where).values(**values, version=C.version + 1)
    return stmt.returning(*_LEVELS, C.version)


# on_hand
ADD_ON_HAND = _update({"on_hand": C.on_hand + _Q})
REMOVE_ON_HAND = _update({"on_hand": C.on_hand - _Q}, C.on_hand - _Q >= C.reserved)
SET_LEVELS = _update(
    {
        # A NULL parameter leaves the column as it is (set_stock's PUT of one field).
        "on_hand": func.coalesce(bindparam("on_hand", type_=Integer), C.on_hand),
        "safety_stock": func.coalesce(bindparam("safety_stock", type_=Integer), C.safety_stock),
    }
)
# reserved; the unguarded forms put back a change made earlier in the same transaction
HOLD = _update({"reserved": C.reserved + _Q}, atp_sql() >= _Q)
UNHOLD = _update({"reserved": C.reserved - _Q})
RELEASE = _update({"reserved": C.reserved - _Q}, C.reserved >= _Q)
UNRELEASE = _update({"reserved": C.reserved + _Q})
SHIP = _update({"on_hand": C.on_hand - _Q, "reserved": C.reserved - _Q}, C.reserved >= _Q)
UNSHIP = _update({"on_hand": C.on_hand + _Q, "reserved": C.reserved + _Q})

_READ = select(*_LEVELS).where(_KEY)
_READ_LOCKED = _READ.with_for_update()


def run(
    session: Session, stmt: Update, node_id: str, sku_id: str, qty: int | None = None, **kw: Any
) -> StockLevel | None:
    """Execute one of the statements above on a row; its new levels, or None when the row is
    missing or the guard refused."""
    params = {"n": node_id, "s": sku_id, "q": qty, **kw}
    row = session.connection().execute(stmt, params).first()
    if row is None:
        return None
    level = _levels_of(row)
    # The new levels reach the promise's stock cache when the transaction commits.
    commit_hooks.stock_level(session, node_id, sku_id, level.atp, int(row[3]))
    return level


def read_level(session: Session, node_id: str, sku_id: str, *, lock: bool) -> StockLevel | None:
    """The row's levels; with ``lock``, held until the transaction ends (PostgreSQL FOR UPDATE;
    SQLite needs no row lock: BEGIN IMMEDIATE already holds the database's write lock)."""
    stmt = _READ_LOCKED if lock else _READ
    return _level(session.connection().execute(stmt, {"n": node_id, "s": sku_id}).first())


def _level(row: Any) -> StockLevel | None:
    return None if row is None else _levels_of(row)


def _levels_of(row: Any) -> StockLevel:
    return StockLevel(int(row[0]), int(row[1]), int(row[2]))


def require_catalog(session: Session, node_id: str, sku_id: str) -> None:
    """Raise UnknownNode / UnknownSku (node first) for a reference that does not exist."""
    if not session.scalar(select(exists().where(tables.nodes.c.id == node_id))):
        raise UnknownNode(node_id)
    if not session.scalar(select(exists().where(tables.skus.c.id == sku_id))):
        raise UnknownSku(sku_id)


def ensure_row(session: Session, node_id: str, sku_id: str) -> None:
    """Create the (node, sku) row at zero unless it exists; concurrent creators do not clash.

    Checks the catalog first: a foreign-key violation would abort a PostgreSQL transaction."""
    require_catalog(session, node_id, sku_id)
    zero = {"node_id": node_id, "sku_id": sku_id, "on_hand": 0, "reserved": 0}
    # A store's protected units start as the row's safety stock: online orders never take them.
    nodes = tables.nodes.c
    protect = session.scalar(select(nodes.store_protection).where(nodes.id == node_id)) or 0
    zero |= {"safety_stock": protect, "version": 0}
    keys = ["node_id", "sku_id"]
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql.insert(INV).values(zero).on_conflict_do_nothing(index_elements=keys)
        session.execute(pg)
    else:
        lite = sqlite.insert(INV).values(zero).on_conflict_do_nothing(index_elements=keys)
        session.execute(lite)
