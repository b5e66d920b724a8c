"""Rejections (HotWax's model): an associate rejects units of a pick, a line or the whole pick,
with a reason code (oms.stores.rejection_reasons). The units leave the pick and its shipment,
the reason's stock effect is applied at the store, and the engine sources them again at once
through the short-pick machinery (oms.stores.short_picks.resource_units): the order gets its
new shipment and promise, or a refund for what no node has. A collateral rejection rejects the
same SKUs in the store's other open picks too. Each rejected line is kept (``PickRejection``)
for the ops' analytics, in the same transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from oms.domain.errors import ConflictError, NotFoundError, ValidationError
from oms.domain.events import PickRejected
from oms.orders.model import ShipmentStatus
from oms.orders.views import OrderView, order_view
from oms.promise.service import NetworkCache
from oms.stores.model import Pick, PickLine, PickRejection, PickStatus
from oms.stores.ports import StoresUnitOfWork
from oms.stores.rejection_reasons import Reason, StockEffect, reason_named
from oms.stores.short_picks import Missing, resource_units, shrink_allocation


@dataclass(frozen=True)
class RejectedPick:
    pick_id: str
    order_id: str
    lines: dict[str, int]
    collateral: bool


@dataclass(frozen=True)
class Rejection:
    """What a rejection did: the picks it touched (the asked one first, then collateral)."""

    node: str
    reason: str
    picks: list[RejectedPick]
    orders: list[OrderView]


def reject(
    uow: StoresUnitOfWork,
    cache: NetworkCache,
    node_id: str,
    pick_id: str,
    lines: list[tuple[str, int]] | None,
    reason: str,
    *,
    collateral: bool = False,
    now: datetime | None = None,
) -> Rejection:
    """Reject ``lines`` ((order line, units); None: every open unit of the pick) of an open
    pick of ``node_id`` for ``reason``, re-source the units, and commit; the orders touched
    come back as they are now (their new shipments and promises)."""
    why = reason_named(reason)
    pick = _open_pick_of(uow, node_id, pick_id)
    wanted = _wanted_units(uow, pick, lines)
    now = now or datetime.now(UTC)
    done = [_reject_pick(uow, cache, pick, wanted, why, False, now)]
    if collateral:
        done += _collateral(uow, cache, pick, _skus(uow, wanted), why, now)
    _stock_effect(uow, node_id, done, why)
    touched = dict.fromkeys(r.order_id for r in done)
    orders = [order_view(uow, uow.orders.get(order_id)) for order_id in touched]
    uow.commit()
    return Rejection(node_id, why.code, done, orders)


def _skus(uow: StoresUnitOfWork, rejected: dict[str, int]) -> set[str]:
    return {uow.order_lines.get(line_id).sku_id for line_id in rejected}


def _open_pick_of(uow: StoresUnitOfWork, node_id: str, pick_id: str) -> Pick:
    pick = uow.picks.find(pick_id)
    if pick is None or pick.node_id != node_id:
        raise NotFoundError(f'pick "{pick_id}" is not a pick of {node_id}')
    if pick.status is not PickStatus.OPEN:
        raise ConflictError(f'pick "{pick_id}" is {pick.status.value}, not open')
    return pick


def _wanted_units(
    uow: StoresUnitOfWork, pick: Pick, asked: list[tuple[str, int]] | None
) -> dict[str, int]:
    have = {ln.order_line_id: ln.qty for ln in uow.pick_lines.list_by(pick_id=pick.id)}
    if asked is None:
        return have
    lines = dict(asked)
    problems = [] if lines else ["lines: name at least one line (or omit lines: the whole pick)"]
    if len(lines) < len(asked):
        problems.append("lines: a line is named twice")
    problems += [f'lines: "{k}" is not a line of pick {pick.id}' for k in lines if k not in have]
    problems += [
        f'lines: line "{k}" rejects {n}, must be within 1..{have[k]} (its open units)'
        for k, n in lines.items()
        if k in have and not 1 <= n <= have[k]
    ]
    if problems:
        raise ValidationError(problems)
    return lines


def _collateral(
    uow: StoresUnitOfWork,
    cache: NetworkCache,
    first: Pick,
    skus: set[str],
    why: Reason,
    now: datetime,
) -> list[RejectedPick]:
    """The same SKUs in the store's other open picks, rejected whole, oldest pick first."""
    done = []
    others = uow.picks.list_by(
        node_id=first.node_id, status=PickStatus.OPEN, order_by=("created_at", "id")
    )
    for pick in others:
        lines = uow.pick_lines.list_by(pick_id=pick.id)
        wanted = {ln.order_line_id: ln.qty for ln in lines if ln.sku_id in skus}
        if pick.id != first.id and wanted:
            done.append(_reject_pick(uow, cache, pick, wanted, why, True, now))
    return done


def _reject_pick(
    uow: StoresUnitOfWork,
    cache: NetworkCache,
    pick: Pick,
    wanted: dict[str, int],
    why: Reason,
    collateral: bool,
    now: datetime,
) -> RejectedPick:
    """The units leave the pick, its shipment and the store's holds; recorded; sourced again
    elsewhere (a new shipment, or a refund)."""
    order = uow.orders.get(pick.order_id)
    lines = {ln.order_line_id: ln for ln in uow.pick_lines.list_by(pick_id=pick.id)}
    missing: list[Missing] = []
    for line_id, qty in sorted(wanted.items()):
        line = lines[line_id]
        uow.stock.release([(pick.node_id, line.sku_id, qty)], ref=order.id)
        shrink_allocation(uow, line_id, pick.shipment_id, qty)
        _shrink_pick_line(uow, line, qty)
        uow.pick_rejections.add(
            PickRejection(
                pick_id=pick.id,
                order_id=order.id,
                node_id=pick.node_id,
                order_line_id=line_id,
                sku_id=line.sku_id,
                qty=qty,
                reason=why.code,
                collateral=collateral,
                created_at=now,
            )
        )
        missing.append((line_id, line.sku_id, qty))
    if not uow.pick_lines.list_by(pick_id=pick.id):
        pick.status = PickStatus.CANCELLED
        uow.shipments.get(pick.shipment_id).status = ShipmentStatus.CANCELLED
    uow.emit(
        PickRejected(
            order_id=order.id,
            pick=pick.id,
            node=pick.node_id,
            reason=why.code,
            lines=dict(wanted),
            qty=sum(wanted.values()),
            collateral=collateral,
        )
    )
    resource_units(uow, cache, order, missing, pick.node_id, now, reason=f"rejected ({why.code})")
    return RejectedPick(pick.id, order.id, dict(wanted), collateral)


def _shrink_pick_line(uow: StoresUnitOfWork, line: PickLine, qty: int) -> None:
    if line.qty == qty:
        uow.pick_lines.remove(line)
    else:
        line.qty -= qty


def _stock_effect(
    uow: StoresUnitOfWork, node_id: str, done: list[RejectedPick], why: Reason
) -> None:
    """The reason's effect on the store's rows of the rejected SKUs (after the rejected units
    were released)."""
    if why.effect is StockEffect.NONE:
        return
    units: Counter[str] = Counter()
    for rejected in done:
        for line_id, qty in rejected.lines.items():
            units[uow.order_lines.get(line_id).sku_id] += qty
    note = f"rejected: {why.code}"
    for sku, qty in sorted(units.items()):
        level = uow.stock.levels(node_id, sku)
        if level is None:
            continue
        if why.effect is StockEffect.ZERO:
            gone = level.on_hand - level.reserved  # what other open picks hold stays
        elif why.effect is StockEffect.ON_HAND:
            gone = min(qty, level.on_hand - level.reserved)
        else:
            uow.stock.set_stock(node_id, sku, safety_stock=level.safety_stock + qty)
            continue
        if gone > 0:
            uow.stock.adjust(node_id, sku, -gone, reason=note)


@dataclass(frozen=True)
class Tally:
    key: str
    count: int  # pick lines rejected
    units: int


@dataclass(frozen=True)
class RejectionSummary:
    since: datetime
    days: int
    count: int
    units: int
    by_reason: list[Tally]
    by_sku: list[Tally]
    by_store: list[Tally]


def summary(uow: StoresUnitOfWork, days: int, now: datetime | None = None) -> RejectionSummary:
    """Rejections of the last ``days`` days, by reason, by SKU and by store (most units
    first)."""
    since = (now or datetime.now(UTC)) - timedelta(days=days)
    rows = uow.pick_rejections.tally(since)
    return RejectionSummary(
        since,
        days,
        sum(r[3] for r in rows),
        sum(r[4] for r in rows),
        *(_tallies(rows, k) for k in range(3)),
    )


def _tallies(rows: list[tuple[str, str, str, int, int]], k: int) -> list[Tally]:
    count: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for reason, sku, node, lines, n in rows:
        key = (reason, sku, node)[k]
        count[key] += lines
        units[key] += n
    ranked = sorted(count, key=lambda key: (-units[key], key))
    return [Tally(key, count[key], units[key]) for key in ranked]
