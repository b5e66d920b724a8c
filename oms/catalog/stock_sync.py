"""Bulk stock sync and export as a service: read and check every row (oms.inventory.sync),
move the holds that a lower on_hand no longer fits (oms.catalog.below_reserved), write every
changed row with its event through the bulk writer, commit once.

One transaction, whatever the error policy: under ``reject_all`` any bad row raises before
commit (nothing changes); under ``skip_rows`` the bad rows are reported and left out, the others
committed together. Stock rows are read locked in (node, sku) order, the ledger's lock order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from oms.catalog.below_reserved import Moved, SyncUnitOfWork, holds_at, make_room, pinned
from oms.inventory.errors import UnknownNode
from oms.inventory.sync import (
    MAX_ERRORS_SHOWN,
    Change,
    Current,
    OnError,
    RowError,
    SyncFormat,
    SyncMode,
    check_source,
    plan,
    read_rows,
    rejected,
)
from oms.promise.service import NetworkCache

Key = tuple[str, str]  # (node, sku)


@dataclass(frozen=True)
class Catalogue:
    """Known ids, and each node's store protection (the safety stock of its new rows)."""

    nodes: Mapping[str, int]
    skus: frozenset[str]

    def unknown(self, node: str, sku: str) -> list[RowError]:
        errors = []
        if node not in self.nodes:
            errors.append(RowError(0, "node", f'unknown node "{node}"'))
        if sku not in self.skus:
            errors.append(RowError(0, "sku", f'unknown SKU "{sku}"'))
        return errors


class BulkStock(Protocol):
    """The database side of a sync (oms.db.stock_sync): set-based reads and writes."""

    def catalogue(self) -> Catalogue: ...

    def current(self, keys: Sequence[Key]) -> dict[Key, Current]:
        """The rows that exist among ``keys``, locked for the transaction, in lock order."""
        ...

    def write(self, changes: Sequence[Change], details: Mapping[str, object]) -> None:
        """Write each change (version + 1) with its StockChanged event (``details`` added)."""
        ...

    def after_commit(self, written: int) -> None:
        """What the database needs after ``written`` rows changed (fresh planner statistics
        after a bulk load, so checkout's stock reads keep their index)."""
        ...


class StockRows(Protocol):
    def export(self, node: str | None) -> Iterator[tuple[str, str, int, int, int]]:
        """(node, sku, on_hand, safety_stock, reserved) ordered by node then SKU."""
        ...

    def node_exists(self, node: str) -> bool: ...


@dataclass(frozen=True)
class SyncRequest:
    fmt: SyncFormat
    mode: SyncMode = SyncMode.ABSOLUTE
    on_error: OnError = OnError.REJECT_ALL
    source: str | None = None


@dataclass
class SyncResult:
    received: int = 0
    applied: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    moved: list[Moved] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def shown_errors(self) -> list[RowError]:
        return self.errors[:MAX_ERRORS_SHOWN]


def sync_stock(
    uow: SyncUnitOfWork,
    bulk: BulkStock,
    cache: NetworkCache,
    req: SyncRequest,
    body: Iterable[bytes],
    now: datetime | None = None,
) -> SyncResult:
    """Apply a stock file (see oms.inventory.sync for its format and rules), committed."""
    source = check_source(req.source)
    now = now or datetime.now(UTC)
    catalogue = bulk.catalogue()
    checked = read_rows(body, req.fmt, req.mode, catalogue.unknown)
    out = SyncResult(received=checked.received, errors=checked.errors)
    _stop_if_rejected(req, out)
    current = bulk.current(sorted({(r.node, r.sku) for r in checked.rows}))
    changes, out.unchanged, errors = plan(checked.rows, current, req.mode, catalogue.nodes)
    out.errors += errors
    _stop_if_rejected(req, out)
    changes = _make_room(uow, bulk, cache, changes, out, now)
    _stop_if_rejected(req, out)
    out.errors.sort(key=lambda e: e.row)
    bulk.write(changes, {"source": source, "mode": req.mode.value})
    out.applied = len(changes)
    uow.commit()
    bulk.after_commit(out.applied)
    return out


def _stop_if_rejected(req: SyncRequest, out: SyncResult) -> None:
    if out.errors and req.on_error is OnError.REJECT_ALL:
        raise rejected(sorted(out.errors, key=lambda e: e.row), out.received)


def _make_room(
    uow: SyncUnitOfWork,
    bulk: BulkStock,
    cache: NetworkCache,
    changes: list[Change],
    out: SyncResult,
    now: datetime,
) -> list[Change]:
    """Rows below what is reserved: their holds moved off (refused when they cannot move),
    the row then written over the reserved units and version left."""
    below = [c for c in changes if c.excess > 0]
    if not below:
        return changes
    holds = {c.row: holds_at(uow, c.node, c.sku, now) for c in below}
    refused = {c.row: e for c in below if (e := pinned(c, holds[c.row])) is not None}
    out.errors += refused.values()
    if refused:
        changes = [c for c in changes if c.row not in refused]
        below = [c for c in below if c.row not in refused]
    for change in below:
        out.moved += make_room(uow, cache, change, holds[change.row], now)
    fresh = bulk.current([(c.node, c.sku) for c in below])
    by_row = {c.row: fresh[(c.node, c.sku)] for c in below}
    return [_over(c, by_row[c.row]) if c.row in by_row else c for c in changes]


def _over(change: Change, now: Current) -> Change:
    return replace(change, reserved=now.level.reserved, version=now.version)


def export_rows(rows: StockRows, node: str | None) -> Iterator[str]:
    """The stock as the sync reads it back: a CSV header, then one line per row, by node then
    SKU. UnknownNode is raised here, before the first line (the answer has not started)."""
    if node is not None and not rows.node_exists(node):
        raise UnknownNode(node)
    return _lines(rows, node)


def _lines(rows: StockRows, node: str | None) -> Iterator[str]:
    yield "node,sku,on_hand,safety_stock,reserved,atp\n"
    for n, s, on_hand, safety, reserved in rows.export(node):
        atp = max(0, on_hand - reserved - safety)
        yield f"{_cell(n)},{_cell(s)},{on_hand},{safety},{reserved},{atp}\n"


def _cell(text: str) -> str:
    """A CSV cell: quoted when the id holds a comma, a quote or a line break."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text
