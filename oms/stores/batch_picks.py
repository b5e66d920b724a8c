"""A batch pick: several open picks of a store walked at once, one pass through the store. The
lines of the chosen picks are grouped by bin, then SKU (one stop per SKU on a shelf, with the
product's name and the units of each order to take), SKUs without a bin last. Confirming the
batch confirms each pick with its counts, as ``picks.confirm`` does, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby

from oms.domain.errors import ValidationError
from oms.stores import picks
from oms.stores.model import Pick, PickLine, PickStatus
from oms.stores.ports import StoresUnitOfWork

MAX_BATCH = 50


@dataclass(frozen=True)
class BatchLine:
    """Units of one order at a stop: which pick and line they belong to."""

    pick_id: str
    order_id: str
    line_id: str
    qty: int


@dataclass(frozen=True)
class BatchStop:
    bin: str | None
    sku: str
    name: str
    qty: int
    lines: list[BatchLine]


@dataclass(frozen=True)
class BatchWalk:
    node: str
    picks: list[str]
    stops: list[BatchStop]


def batch_walk(uow: StoresUnitOfWork, node_id: str, pick_ids: list[str]) -> BatchWalk:
    """The walk through the store for these open picks of ``node_id``."""
    chosen = _open_picks(uow, node_id, pick_ids)
    orders = {p.id: p.order_id for p in chosen}
    lines = sorted(uow.pick_lines.list_by(pick_id=list(orders)), key=_stop_order)
    names = picks.product_names(uow, list(orders))
    stops = []
    for (no_bin, where, sku), group in groupby(lines, key=picks.walk_order):
        found = list(group)
        stops.append(
            BatchStop(
                None if no_bin else where,
                sku,
                names.get(sku, sku),
                sum(ln.qty for ln in found),
                [
                    BatchLine(ln.pick_id, orders[ln.pick_id], ln.order_line_id, ln.qty)
                    for ln in found
                ],
            )
        )
    return BatchWalk(node_id, [p.id for p in chosen], stops)


def _stop_order(line: PickLine) -> tuple[tuple[bool, str, str], str, str]:
    return picks.walk_order(line), line.pick_id, line.order_line_id


def confirm_batch(
    uow: StoresUnitOfWork,
    node_id: str,
    counts: dict[str, dict[str, int]],
    *,
    now: datetime | None = None,
) -> list[str]:
    """Confirm each pick (pick -> line -> units picked, every line of each) of the batch, and
    commit once; the picks confirmed."""
    chosen = _open_picks(uow, node_id, list(counts))
    when = now or datetime.now(UTC)
    for pick in chosen:
        picks.record(uow, pick, counts[pick.id], when)
    uow.commit()
    return [p.id for p in chosen]


def _open_picks(uow: StoresUnitOfWork, node_id: str, pick_ids: list[str]) -> list[Pick]:
    wanted = list(dict.fromkeys(pick_ids))
    if not wanted:
        raise ValidationError(["picks: choose at least one pick"])
    if len(wanted) > MAX_BATCH:
        raise ValidationError([f"picks: at most {MAX_BATCH} picks in a batch"])
    found = {p.id: p for p in uow.picks.list_by(id=wanted)}
    problems = [
        f'picks: "{pid}" is not an open pick of {node_id}'
        for pid in wanted
        if pid not in found
        or found[pid].node_id != node_id
        or found[pid].status is not PickStatus.OPEN
    ]
    if problems:
        raise ValidationError(problems)
    return [found[pid] for pid in wanted]
