"""Stock counts at a store as a service: ops request a count (SKUs, or bins whose SKUs are
counted), the associate submits what was found, a variance beyond the threshold waits for ops
(approve or reject), and an applied count sets each stock row's on_hand to what was counted.

Applying goes through the stock ledger (``adjust`` with reason ``count``: a ``StockChanged``
event, ATP follows at once). A counted level below what is reserved first moves the holds that
no longer fit, with the bulk sync's rule (``oms.catalog.below_reserved``): newest first,
reservations placed elsewhere, orders re-sourced; units already picked cannot move, and a count
below them is refused (409 conflict) with nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from uuid import uuid4

from oms.catalog.below_reserved import SyncUnitOfWork, holds_at, make_room, pinned
from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.domain.events import (
    CountApplied,
    CountApproved,
    CountRejected,
    CountRequested,
    CountSubmitted,
)
from oms.inventory.sync import Change
from oms.promise.service import NetworkCache
from oms.stores.count_ports import StockCountLines, StockCounts
from oms.stores.counts_model import CountStatus, StockCount, StockCountLine, VarianceThreshold

REASON = "count"
MAX_SKUS = 500  # SKUs per count: a walk through a store, not a full inventory
OPEN = (CountStatus.REQUESTED, CountStatus.NEEDS_APPROVAL)


class CountsUnitOfWork(SyncUnitOfWork, Protocol):
    @property
    def stock_counts(self) -> StockCounts: ...

    @property
    def stock_count_lines(self) -> StockCountLines: ...


@dataclass(frozen=True)
class CountView:
    count: StockCount
    lines: list[StockCountLine]


def request_count(
    uow: CountsUnitOfWork,
    node_id: str,
    *,
    skus: Sequence[str] = (),
    bins: Sequence[str] = (),
    requested_by: str,
) -> CountView:
    """A count of these SKUs and of the SKUs in these bins at the store, committed."""
    uow.nodes.get(node_id)
    wanted = sorted(set(skus) | set(uow.stock_counts.skus_in_bins(node_id, bins) if bins else ()))
    problems = _request_problems(uow, skus, wanted)
    if problems:
        raise ValidationError(problems)
    count = StockCount(
        id=f"CNT-{uuid4().hex[:10].upper()}", node_id=node_id, requested_by=requested_by
    )
    uow.stock_counts.add_now(count)
    lines = [StockCountLine(count_id=count.id, sku_id=s) for s in wanted]
    uow.stock_count_lines.add_all_now(lines)
    uow.emit(
        CountRequested(node_id=node_id, count_id=count.id, skus=wanted, requested_by=requested_by)
    )
    uow.commit()
    return CountView(count, lines)


def _request_problems(uow: CountsUnitOfWork, skus: Sequence[str], wanted: list[str]) -> list[str]:
    unknown = sorted(set(skus) - set(uow.skus.existing(sorted(set(skus)))))
    problems = [f'skus: SKU "{s}" does not exist' for s in unknown]
    if not wanted:
        problems.append("skus: name at least one SKU, or bins that hold stock at this store")
    if len(wanted) > MAX_SKUS:
        problems.append(f"skus: at most {MAX_SKUS} SKUs per count, got {len(wanted)}")
    return problems


def open_counts(uow: CountsUnitOfWork, node_id: str) -> list[StockCount]:
    """The store's counts waiting for the associate or for ops, oldest first."""
    return uow.stock_counts.list_by(node_id=node_id, status=OPEN, order_by=("created_at", "id"))


def count_of(
    uow: CountsUnitOfWork, node_id: str, count_id: str, *, lock: bool = False
) -> CountView:
    counts = uow.stock_counts
    count = counts.find_for_update(count_id) if lock else counts.find(count_id)
    if count is None or count.node_id != node_id:
        raise NotFoundError(f'count "{count_id}" does not exist at {node_id}')
    return CountView(count, uow.stock_count_lines.list_by(count_id=count_id, order_by="sku_id"))


def submit_count(
    uow: CountsUnitOfWork,
    cache: NetworkCache,
    threshold: VarianceThreshold,
    node_id: str,
    count_id: str,
    counted: Mapping[str, int],
    now: datetime | None = None,
) -> CountView:
    """The associate's counts (every SKU of the count, once), committed: applied at once when
    every variance is within the threshold, else left for ops."""
    now = now or datetime.now(UTC)
    view = _for_update(uow, node_id, count_id, CountStatus.REQUESTED)
    _check_counted(view, counted)
    for line in view.lines:
        level = uow.stock.levels(node_id, line.sku_id)
        line.expected = level.on_hand if level is not None else 0
        line.counted = counted[line.sku_id]
        line.variance = line.counted - line.expected
    beyond = any(threshold.beyond(x.expected or 0, x.counted or 0) for x in view.lines)
    view.count.submitted_at = now
    view.count.status = CountStatus.NEEDS_APPROVAL if beyond else CountStatus.SUBMITTED
    rows = [
        {"sku": x.sku_id, "expected": x.expected, "counted": x.counted, "variance": x.variance}
        for x in view.lines
    ]
    uow.emit(CountSubmitted(node_id=node_id, count_id=count_id, lines=rows, needs_approval=beyond))
    if not beyond:
        _apply(uow, cache, view, now)
    uow.commit()
    return view


def approve_count(
    uow: CountsUnitOfWork,
    cache: NetworkCache,
    node_id: str,
    count_id: str,
    decided_by: str,
    now: datetime | None = None,
) -> CountView:
    view = _for_update(uow, node_id, count_id, CountStatus.NEEDS_APPROVAL)
    view.count.decided_by = decided_by
    uow.emit(CountApproved(node_id=node_id, count_id=count_id, decided_by=decided_by))
    _apply(uow, cache, view, now or datetime.now(UTC))
    uow.commit()
    return view


def reject_count(uow: CountsUnitOfWork, node_id: str, count_id: str, decided_by: str) -> CountView:
    view = _for_update(uow, node_id, count_id, CountStatus.NEEDS_APPROVAL)
    view.count.status = CountStatus.REJECTED
    view.count.decided_by = decided_by
    uow.emit(CountRejected(node_id=node_id, count_id=count_id, decided_by=decided_by))
    uow.commit()
    return view


def _for_update(
    uow: CountsUnitOfWork, node_id: str, count_id: str, status: CountStatus
) -> CountView:
    view = count_of(uow, node_id, count_id, lock=True)
    if view.count.status is not status:
        raise ConflictError(f"count {count_id} is {view.count.status.value}, not {status.value}")
    return view


def _check_counted(view: CountView, counted: Mapping[str, int]) -> None:
    asked = {x.sku_id for x in view.lines}
    problems = [
        f'lines: SKU "{s}" is not part of count {view.count.id}'
        for s in sorted(set(counted) - asked)
    ]
    problems += [f'lines: no count given for SKU "{s}"' for s in sorted(asked - set(counted))]
    problems += [
        f'lines: counted for "{s}" must be 0 or more' for s, n in sorted(counted.items()) if n < 0
    ]
    if problems:
        raise ValidationError(problems)


def _apply(uow: CountsUnitOfWork, cache: NetworkCache, view: CountView, now: datetime) -> None:
    """Each stock row set to what was counted; holds a lower level no longer fits move first."""
    node = view.count.node_id
    changes = [_change(uow, node, x) for x in view.lines]
    below = [c for c in changes if c is not None and c.excess > 0]
    holds = {c.sku: holds_at(uow, node, c.sku, now) for c in below}
    stuck = [e.detail for c in below if (e := pinned(c, holds[c.sku])) is not None]
    if stuck:
        raise ConflictError(f"count {view.count.id} cannot be applied: " + "; ".join(stuck))
    for change in below:
        make_room(uow, cache, change, holds[change.sku], now)
    adjustments = []
    for line in view.lines:
        level = uow.stock.levels(node, line.sku_id)
        before = level.on_hand if level is not None else 0
        target = line.counted or 0
        if target != before:
            uow.stock.adjust(node, line.sku_id, target - before, REASON)
        adjustments.append({"sku": line.sku_id, "from": before, "to": target})
    view.count.status = CountStatus.APPLIED
    view.count.applied_at = now
    uow.emit(CountApplied(node_id=node, count_id=view.count.id, adjustments=adjustments))


def _change(uow: CountsUnitOfWork, node: str, line: StockCountLine) -> Change | None:
    level = uow.stock.levels(node, line.sku_id)
    if level is None:
        return None
    return Change(
        row=0,
        node=node,
        sku=line.sku_id,
        previous=level,
        on_hand=line.counted or 0,
        safety_stock=level.safety_stock,
        reserved=level.reserved,
        version=0,
    )
