"""Pick lists: the work released to a store as orders are sourced there (oms.stores.pick_release),
and its confirmation.

A pick is one shipment's units at a store, line by line with the bin to find them in. Confirming
records what was picked; a short line corrects the shelf count and sends the missing units to the
next-best node (oms.stores.short_picks)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from oms.domain.errors import ConflictError, ValidationError
from oms.domain.events import Picked
from oms.orders.lifecycle import OrderStatus, transition
from oms.orders.model import Order
from oms.orders.queries import require_own_store
from oms.orders.views import OrderView, order_view
from oms.stores import fulfilment
from oms.stores.model import Pick, PickLine, PickStatus
from oms.stores.ports import StoresUnitOfWork


@dataclass(frozen=True)
class PickLineView:
    line_id: str
    sku: str
    name: str  # the product's name in the SKU catalogue
    bin: str | None
    qty: int
    picked: int | None


@dataclass(frozen=True)
class PickView:
    id: str
    order_id: str
    shipment_id: str
    node: str
    status: str
    created_at: datetime
    lines: list[PickLineView]


@dataclass(frozen=True)
class ConfirmedPick:
    """A confirmed pick, and its order as the confirmation left it."""

    pick: PickView
    order: OrderView


def open_picks(uow: StoresUnitOfWork, node_id: str) -> list[PickView]:
    """Open picks at a store, oldest order first, lines sorted by bin (the walk through the
    store), SKUs without a bin last."""
    picks = uow.picks.list_by(
        node_id=node_id, status=PickStatus.OPEN, order_by=("created_at", "id")
    )
    names = product_names(uow, [p.id for p in picks])
    return [pick_view(uow, p, names) for p in picks]


def product_names(uow: StoresUnitOfWork, pick_ids: list[str]) -> dict[str, str]:
    """SKU -> product name, for the lines of these picks (one catalogue read)."""
    skus = sorted({ln.sku_id for ln in uow.pick_lines.list_by(pick_id=pick_ids)})
    return {s.id: s.name for s in uow.skus.list_by(id=skus)} if skus else {}


def walk_order(line: PickLine) -> tuple[bool, str, str]:
    """The walk through the store: by bin, then SKU; SKUs without a bin last."""
    return (line.bin_location is None, line.bin_location or "", line.sku_id)


def pick_view(uow: StoresUnitOfWork, pick: Pick, names: dict[str, str] | None = None) -> PickView:
    ordered = sorted(uow.pick_lines.list_by(pick_id=pick.id), key=walk_order)
    if names is None:
        names = product_names(uow, [pick.id])
    return PickView(
        pick.id,
        pick.order_id,
        pick.shipment_id,
        pick.node_id,
        pick.status.value,
        pick.created_at,
        [
            PickLineView(
                ln.order_line_id,
                ln.sku_id,
                names.get(ln.sku_id, ln.sku_id),
                ln.bin_location,
                ln.qty,
                ln.picked,
            )
            for ln in ordered
        ],
    )


def confirm(
    uow: StoresUnitOfWork,
    pick_id: str,
    picked: dict[str, int],
    *,
    store: str | None = None,
    now: datetime | None = None,
) -> ConfirmedPick:
    """Record the units picked per line (every line of the pick, once) and commit; the pick
    and its order as they are now. ``store``: the caller's store (a store key confirms its own
    store's picks only)."""
    pick = uow.picks.get(pick_id)
    require_own_store(store, pick.node_id)
    order = record(uow, pick, picked, now or datetime.now(UTC))
    confirmed = ConfirmedPick(pick_view(uow, pick), order_view(uow, order))
    uow.commit()
    return confirmed


def confirm_from_list(
    uow: StoresUnitOfWork,
    pick_id: str,
    picked: dict[str, int],
    *,
    node_id: str,
    now: datetime | None = None,
) -> Pick:
    """``confirm``, posted from the pick list of the store ``node_id`` (the pick must be on
    it); the page shows the list again, not the order."""
    pick = uow.picks.get(pick_id)
    if pick.node_id != node_id:
        raise ValidationError([f'pick: "{pick_id}" is not a pick of {node_id}'])
    record(uow, pick, picked, now or datetime.now(UTC))
    uow.commit()
    return pick


def record(uow: StoresUnitOfWork, pick: Pick, picked: dict[str, int], now: datetime) -> Order:
    """What was found, then the shipment readied with what it still carries (the re-sourcing
    handler of ``Picked`` has dealt with short lines by then). The pick's order comes back."""
    if pick.status is not PickStatus.OPEN:
        raise ConflictError(f'pick "{pick.id}" is {pick.status.value}, not open')
    lines = {ln.order_line_id: ln for ln in uow.pick_lines.list_by(pick_id=pick.id)}
    _check_counts(pick.id, lines, picked)
    order = uow.orders.get(pick.order_id)
    if order.status is OrderStatus.ALLOCATED:
        order.status = transition(order.status, OrderStatus.PICKING)
    for line_id, line in lines.items():
        line.picked = picked[line_id]
    pick.status, pick.confirmed_at = PickStatus.CONFIRMED, now
    uow.emit(Picked(order_id=order.id, pick=pick.id, node=pick.node_id, lines=dict(picked)))
    fulfilment.picked(uow, order, uow.shipments.get(pick.shipment_id), now)
    return order


def _check_counts(pick_id: str, lines: dict[str, PickLine], picked: dict[str, int]) -> None:
    problems = [f'lines: "{k}" is not a line of pick {pick_id}' for k in picked if k not in lines]
    problems += [
        f'lines: line "{k}" is missing (confirm every line)' for k in lines if k not in picked
    ]
    for k, n in picked.items():
        if k in lines and not 0 <= n <= lines[k].qty:
            problems.append(f'lines: line "{k}" picked {n}, must be within 0..{lines[k].qty}')
    if problems:
        raise ValidationError(problems)
