"""The inventory ledger: the only code that changes stock. Never oversell, never lose a unit.

Every function works inside the caller's session and transaction and writes its events there, so
a rollback takes the change and its history back together. Multi-row operations take rows in
(node_id, sku_id) order, the lock order, and either apply every row or none: when a row fails, the
rows already applied are put back before returning or raising, so the transaction is left as it
was and the caller may re-source and try again, or roll back.

Sessions must come from an engine of oms.db.engine (on SQLite, its ``BEGIN IMMEDIATE``
transactions). The ledger writes with SQL statements, not through the identity map: do not mix it
with loaded ``Inventory`` objects in the same session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Update, bindparam, select
from sqlalchemy.orm import Session

from oms.db import stock_sql as sql
from oms.db import tables
from oms.db.events import EventLog
from oms.domain.errors import OmsError, ValidationError
from oms.domain.events import StockChange, StockChanged, stock_key
from oms.domain.limits import MAX_UNITS
from oms.inventory.atp import Shortfall, StockLevel, StockRow, atp
from oms.inventory.checks import check_adjust, check_positive, check_set, checked_rows
from oms.inventory.errors import InsufficientStock, NotReserved, StockBelowReserved

__all__ = [
    "InventoryEvent",
    "Shortfall",
    "StockLevel",
    "StockRow",
    "adjust",
    "available",
    "commit_shipment",
    "hold",
    "hold_or_raise",
    "levels",
    "move",
    "receive",
    "release",
    "set_stock",
    "stock_key",
]


# How each change is named in the log (the domain's StockChange).
InventoryEvent = StockChange


# ---------------------------------------------------------------- reads


def levels(session: Session, node_id: str, sku_id: str) -> StockLevel | None:
    return sql.read_level(session, node_id, sku_id, lock=False)


def available(
    session: Session,
    sku_ids: Iterable[str],
    node_ids: Iterable[str] | None = None,
    *,
    enabled_only: bool = True,
) -> dict[tuple[str, str], int]:
    """ATP per (node_id, sku_id) for sourcing: a snapshot, not a promise (hold() decides).

    Rows that do not exist are absent (ATP 0); disabled nodes are left out unless asked for."""
    skus = list(sku_ids)
    if not skus:
        return {}
    params: dict[str, list[str]] = {"skus": skus}
    if node_ids is not None:
        params["nodes"] = list(node_ids)
    stmt = _AVAILABLE[(node_ids is not None, enabled_only)]
    rows = session.connection().execute(stmt, params)
    return {(n, s): atp(oh, r, ss) for n, s, oh, r, ss in rows}


def _available_stmt(by_node: bool, enabled_only: bool) -> Select[str, str, int, int, int]:
    c = sql.C
    stmt = select(c.node_id, c.sku_id, c.on_hand, c.reserved, c.safety_stock).where(
        c.sku_id.in_(bindparam("skus", expanding=True))
    )
    if by_node:
        stmt = stmt.where(c.node_id.in_(bindparam("nodes", expanding=True)))
    if enabled_only:
        nodes = tables.nodes.c
        stmt = stmt.join(tables.nodes, nodes.id == c.node_id).where(nodes.enabled.is_(True))
    return stmt


# Built once: building the statement cost more than running it (checkout's hot read).
_AVAILABLE = {(n, e): _available_stmt(n, e) for n in (False, True) for e in (False, True)}


def atp_versions(
    session: Session, sku_ids: Sequence[str]
) -> dict[tuple[str, str], tuple[int, int]]:
    """ATP and row version per (node_id, sku_id), at every node: what the promise's stock cache
    keeps (a row's version orders what the cache hears of it)."""
    rows = session.connection().execute(_ATP_VERSIONS, {"skus": list(sku_ids)})
    return {(n, s): (atp(oh, r, ss), v) for n, s, oh, r, ss, v in rows}


_ATP_VERSIONS = select(
    sql.C.node_id,
    sql.C.sku_id,
    sql.C.on_hand,
    sql.C.reserved,
    sql.C.safety_stock,
    sql.C.version,
).where(sql.C.sku_id.in_(bindparam("skus", expanding=True)))


# ---------------------------------------------------------------- single-row changes


def set_stock(
    session: Session,
    node_id: str,
    sku_id: str,
    *,
    on_hand: int | None = None,
    safety_stock: int | None = None,
) -> StockLevel:
    """PUT semantics: set the counted on_hand and/or the safety stock; reserved is untouched.

    Refuses an on_hand below what is reserved (StockBelowReserved): those units are promised."""
    check_set(on_hand, safety_stock)
    current = sql.read_level(session, node_id, sku_id, lock=True)
    if current is None:
        sql.ensure_row(session, node_id, sku_id)
        current = sql.read_level(session, node_id, sku_id, lock=True)
        assert current is not None
    if on_hand is not None and on_hand < current.reserved:
        raise StockBelowReserved(node_id, sku_id, on_hand, current.reserved)
    after = sql.run(
        session, sql.SET_LEVELS, node_id, sku_id, on_hand=on_hand, safety_stock=safety_stock
    )
    assert after is not None  # the row is locked (or the database is, on SQLite)
    previous = {"on_hand": current.on_hand, "safety_stock": current.safety_stock}
    _record(session, InventoryEvent.SET, node_id, sku_id, after, previous=previous)
    return after


def receive(
    session: Session, node_id: str, sku_id: str, qty: int, *, ref: str | None = None
) -> StockLevel:
    """Goods in: on_hand += qty (qty > 0). Creates the stock row on first receipt."""
    check_positive("qty", qty)
    after = _add_on_hand(session, node_id, sku_id, qty)
    _record(session, InventoryEvent.RECEIVED, node_id, sku_id, after, qty=qty, ref=ref)
    return after


def adjust(session: Session, node_id: str, sku_id: str, delta: int, reason: str) -> StockLevel:
    """A counted correction (damage, shrinkage, found stock): on_hand += delta, never below
    reserved. ``reason`` is kept in the event."""
    check_adjust(delta, reason)
    if delta > 0:
        after = _add_on_hand(session, node_id, sku_id, delta)
    else:
        after = _remove_on_hand(session, node_id, sku_id, -delta)
    _record(session, InventoryEvent.ADJUSTED, node_id, sku_id, after, delta=delta, reason=reason)
    return after


def _add_on_hand(session: Session, node_id: str, sku_id: str, qty: int) -> StockLevel:
    after = sql.run(session, sql.ADD_ON_HAND, node_id, sku_id, qty)
    if after is None:  # first stock of this SKU at this node
        sql.ensure_row(session, node_id, sku_id)
        after = sql.run(session, sql.ADD_ON_HAND, node_id, sku_id, qty)
        assert after is not None
    if after.on_hand > MAX_UNITS:  # the caller's unit of work rolls the update back
        raise ValidationError(
            [f"qty: on_hand of {sku_id} at {node_id} would be {after.on_hand}, over {MAX_UNITS}"]
        )
    return after


def _remove_on_hand(session: Session, node_id: str, sku_id: str, qty: int) -> StockLevel:
    after = sql.run(session, sql.REMOVE_ON_HAND, node_id, sku_id, qty)
    if after is not None:
        return after
    current = sql.read_level(session, node_id, sku_id, lock=True)
    if current is None:
        sql.require_catalog(session, node_id, sku_id)
        raise StockBelowReserved(node_id, sku_id, -qty, 0)
    if current.on_hand - qty < current.reserved:
        raise StockBelowReserved(node_id, sku_id, current.on_hand - qty, current.reserved)
    # Someone received stock between the two statements; the row is locked now.
    after = sql.run(session, sql.REMOVE_ON_HAND, node_id, sku_id, qty)
    assert after is not None
    return after


# ---------------------------------------------------------------- multi-row movements


@dataclass(frozen=True)
class _Movement:
    """How a hold, a release or a shipment changes a row, and how to put it back."""

    event: InventoryEvent
    apply: Update  # guarded: refuses when the row has too little room
    undo: Update
    needs_atp: bool  # else needs reserved units

    def room(self, level: StockLevel | None) -> int:
        """What the row offers this movement: ATP for a hold, reserved units otherwise."""
        if level is None:
            return 0
        return level.atp if self.needs_atp else level.reserved


_HOLD = _Movement(InventoryEvent.RESERVED, sql.HOLD, sql.UNHOLD, needs_atp=True)
_RELEASE = _Movement(InventoryEvent.RELEASED, sql.RELEASE, sql.UNRELEASE, needs_atp=False)
_SHIP = _Movement(InventoryEvent.SHIPPED, sql.SHIP, sql.UNSHIP, needs_atp=False)


def hold(
    session: Session,
    rows: Iterable[tuple[str, str, int]],
    *,
    ref: str | None = None,
) -> list[Shortfall]:
    """Reserve every row (reserved += qty where ATP allows), or none of them.

    Returns [] when all were held, else a Shortfall for every short row with its ATP at that
    moment; then nothing is held and no event written. ``ref`` (a reservation or order id) goes
    into the events."""
    return _move(session, _HOLD, rows, ref)


def hold_or_raise(
    session: Session, rows: Iterable[tuple[str, str, int]], *, ref: str | None = None
) -> None:
    """hold(), raising InsufficientStock with every shortfall instead of returning them."""
    shortfalls = hold(session, rows, ref=ref)
    if shortfalls:
        raise InsufficientStock(shortfalls)


def release(
    session: Session, rows: Iterable[tuple[str, str, int]], *, ref: str | None = None
) -> None:
    """Give held units back (reserved -= qty). Releasing more than is reserved means the
    caller's books are wrong: NotReserved lists every such row and nothing changes."""
    _raise_not_reserved(_move(session, _RELEASE, rows, ref))


def commit_shipment(
    session: Session, rows: Iterable[tuple[str, str, int]], *, ref: str | None = None
) -> None:
    """Held units leave the building: on_hand -= qty and reserved -= qty together, so ATP does
    not move. Only reserved units can ship (NotReserved otherwise, nothing changes)."""
    _raise_not_reserved(_move(session, _SHIP, rows, ref))


def move(
    session: Session,
    release_rows: Iterable[tuple[str, str, int]],
    hold_rows: Iterable[tuple[str, str, int]],
    *,
    ref: str | None = None,
) -> list[Shortfall]:
    """Units change places: release some rows and hold others in ONE pass over their union in
    (node_id, sku_id) lock order (a release and a hold of the same row: release first), all or
    nothing. Two passes would lock rows out of order and could deadlock with a checkout.

    Returns [] when done, else the holds' shortfalls (nothing changed); releasing more than is
    reserved raises NotReserved (nothing changed)."""
    steps = sorted(
        [(row, 0) for row in checked_rows(release_rows)]
        + [(row, 1) for row in checked_rows(hold_rows)],
        key=lambda step: (step[0].node_id, step[0].sku_id, step[1]),
    )
    done: list[tuple[_Movement, StockRow, StockLevel]] = []
    for row, kind in steps:
        movement = _HOLD if kind else _RELEASE
        try:
            after, fault = _apply(session, movement, row)
        except OmsError:
            _undo_steps(session, done)
            raise
        if fault:
            _undo_steps(session, done)
            if movement is _RELEASE:
                raise NotReserved(fault)
            return fault
        assert after is not None
        done.append((movement, row, after))
    EventLog.record_now(
        session,
        [_event(m.event, *row[:2], after, qty=row.qty, ref=ref) for m, row, after in done],
    )
    return []


def _undo_steps(session: Session, done: Sequence[tuple[_Movement, StockRow, StockLevel]]) -> None:
    for movement, row, _ in reversed(done):
        sql.run(session, movement.undo, *row)


def _raise_not_reserved(faults: Sequence[Shortfall]) -> None:
    if faults:
        raise NotReserved(faults)


def _move(
    session: Session,
    move: _Movement,
    rows: Iterable[tuple[str, str, int]],
    ref: str | None,
) -> list[Shortfall]:
    merged = checked_rows(rows)
    done: list[tuple[StockRow, StockLevel]] = []
    faults: list[Shortfall] = []
    try:
        for row in merged:
            if faults:  # already failing: only look, to report every short row
                faults += _fault(move, row, _look(session, row))
                continue
            after, fault = _apply(session, move, row)
            if after is not None:
                done.append((row, after))
            faults += fault
    except OmsError:  # an unknown node or SKU: leave the transaction as it was found
        _undo(session, move, [row for row, _ in done])
        raise
    if faults:
        _undo(session, move, [row for row, _ in done])
        return faults
    stock_events = [
        _event(move.event, *row[:2], after, qty=row.qty, ref=ref) for row, after in done
    ]
    EventLog.record_now(session, stock_events)
    return []


def _apply(
    session: Session, move: _Movement, row: StockRow
) -> tuple[StockLevel | None, list[Shortfall]]:
    after = sql.run(session, move.apply, *row)
    if after is not None:
        return after, []
    current = sql.read_level(session, row.node_id, row.sku_id, lock=True)
    if current is None:
        sql.require_catalog(session, row.node_id, row.sku_id)
    room = move.room(current)
    if room >= row.qty:
        # The row changed between the two statements (PostgreSQL) and is locked now.
        after = sql.run(session, move.apply, *row)
        if after is not None:
            return after, []
    # The row that failed is always reported, whatever a concurrent change shows since.
    return None, [Shortfall(row.node_id, row.sku_id, row.qty, min(room, row.qty - 1))]


def _look(session: Session, row: StockRow) -> StockLevel | None:
    level = sql.read_level(session, row.node_id, row.sku_id, lock=False)
    if level is None:
        sql.require_catalog(session, row.node_id, row.sku_id)
    return level


def _fault(move: _Movement, row: StockRow, level: StockLevel | None) -> list[Shortfall]:
    room = move.room(level)
    if room >= row.qty:
        return []
    return [Shortfall(row.node_id, row.sku_id, row.qty, room)]


def _undo(session: Session, move: _Movement, rows: Sequence[StockRow]) -> None:
    # Reverse order is not needed for locks (they are all held already); it reads naturally.
    for row in reversed(rows):
        sql.run(session, move.undo, *row)


# ---------------------------------------------------------------- validation and events


def _event(
    event: StockChange, node_id: str, sku_id: str, after: StockLevel, **details: Any
) -> StockChanged:
    return StockChanged(
        change=event,
        node_id=node_id,
        sku_id=sku_id,
        on_hand=after.on_hand,
        reserved=after.reserved,
        safety_stock=after.safety_stock,
        atp=after.atp,
        details=details,
    )


def _record(
    session: Session,
    event: InventoryEvent,
    node_id: str,
    sku_id: str,
    after: StockLevel,
    **details: Any,
) -> None:
    EventLog.record_now(session, [_event(event, node_id, sku_id, after, **details)])
