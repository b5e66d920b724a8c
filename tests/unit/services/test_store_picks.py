"""Pick confirmation on the fake unit of work: full picks, short picks re-sourced elsewhere or
refunded, and the refusals."""

from __future__ import annotations

import pytest

from oms.domain.errors import ConflictError, ForbiddenError, ValidationError
from oms.domain.events import LineShort, OrderCancelled, Resourced, ShortPicked
from oms.orders.model import OrderLineStatus, ShipmentStatus
from oms.promise.service import NetworkCache
from oms.stores.model import PickStatus
from oms.stores.picks import confirm, confirm_from_list, open_picks
from tests.unit.services.orders_world import (
    DC,
    MUG_PRICE,
    S1,
    S2,
    held,
    order,
    order_events,
    world,
)


def picked_in_full(uow, pick_id: str) -> dict[str, int]:
    return {ln.order_line_id: ln.qty for ln in uow.pick_lines.list_by(pick_id=pick_id)}


def test_the_open_picks_of_a_store_list_their_lines_by_bin():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("TEA", 1), ("MUG", 1)])
    [pick] = open_picks(uow, S1)
    assert pick.order_id == placed.id and [ln.bin for ln in pick.lines] == ["A-MUG", "A-TEA"]
    assert open_picks(uow, S2) == []


def test_a_full_pick_readies_its_shipment():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 2)])
    [pick] = uow.picks.list_by(order_id=placed.id)
    done = confirm(uow, pick.id, picked_in_full(uow, pick.id), store=S1)
    assert done.pick.status == "confirmed" and done.order.status == "picking"
    assert [s.status for s in done.order.shipments] == ["picked"]
    assert order_events(uow) == ["Picked"]
    assert uow.committed == 2


def test_a_short_pick_corrects_the_shelf_and_resources_the_missing_units_elsewhere():
    uow, cache = world(dc=10, store=3), NetworkCache()
    placed = order(uow, cache, [("MUG", 2), ("TEA", 1)])
    mug, tea = (ln.id for ln in placed.lines)
    [pick] = uow.picks.list_by(order_id=placed.id)
    done = confirm(uow, pick.id, {mug: 1, tea: 0}, store=S1)
    assert held(uow, S1, "MUG") == (2, 1) and held(uow, S1, "TEA") == (2, 0)  # shelf corrected
    assert held(uow, DC, "MUG") == (10, 1) and held(uow, DC, "TEA") == (10, 1)
    shortfalls = [(e.line, e.missing) for e in uow.emitted if isinstance(e, ShortPicked)]
    assert shortfalls == [(mug, 1), (tea, 1)]
    [resourced] = [e for e in uow.emitted if isinstance(e, Resourced)]
    assert resourced.node == DC and resourced.lines == {mug: 1, tea: 1}  # one shipment
    assert order_events(uow) == ["Picked", "ShortPicked", "ShortPicked", "Resourced"]
    assert done.order.status == "allocated"
    assert [(s.node, s.status) for s in done.order.shipments] == [
        (S1, "picked"),
        (DC, "created"),
    ]


def test_a_short_pick_no_node_can_supply_cancels_and_refunds_the_line():
    uow, cache = world(dc=0, store=1), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    [line] = placed.lines
    [pick] = uow.picks.list_by(order_id=placed.id)
    done = confirm(uow, pick.id, {line.id: 0}, store=S1)
    assert done.order.lines[0].status == OrderLineStatus.CANCELLED.value
    assert [(r.line, r.amount_minor) for r in done.order.refunds] == [(line.id, MUG_PRICE)]
    [short] = [e for e in uow.emitted if isinstance(e, LineShort)]
    assert (short.units, short.refund_minor) == (1, MUG_PRICE)
    assert uow.shipments.list_by(order_id=placed.id)[0].status is ShipmentStatus.CANCELLED
    assert held(uow, S1, "MUG") == (0, 0)


def test_an_order_no_node_can_supply_at_all_is_cancelled_with_its_lines_refunded():
    uow, cache = world(dc=0, store=2), NetworkCache()
    placed = order(uow, cache, [("MUG", 1), ("TEA", 1)])
    mug, tea = (ln.id for ln in placed.lines)
    [pick] = uow.picks.list_by(order_id=placed.id)
    done = confirm(uow, pick.id, {mug: 0, tea: 0}, store=S1)
    assert done.order.status == "cancelled"
    assert {ln.status for ln in done.order.lines} == {OrderLineStatus.CANCELLED.value}
    assert sorted(r.line for r in done.order.refunds) == sorted([mug, tea])
    assert [s.status for s in uow.shipments.list_by(order_id=placed.id)] == [
        ShipmentStatus.CANCELLED
    ]
    [cancelled] = [e for e in uow.emitted if isinstance(e, OrderCancelled)]
    assert cancelled.lines == [mug, tea] and cancelled.released == []
    assert order_events(uow)[-1] == "OrderCancelled"
    assert held(uow, S1, "MUG") == (1, 0) and held(uow, S1, "TEA") == (1, 0)


def test_a_short_line_with_another_line_picked_leaves_the_order_going():
    uow, cache = world(dc=0, store=2), NetworkCache()
    placed = order(uow, cache, [("MUG", 1), ("TEA", 1)])
    mug, tea = (ln.id for ln in placed.lines)
    [pick] = uow.picks.list_by(order_id=placed.id)
    done = confirm(uow, pick.id, {mug: 1, tea: 0}, store=S1)
    assert done.order.status != "cancelled"
    assert not [e for e in uow.emitted if isinstance(e, OrderCancelled)]


def test_a_store_key_confirms_only_its_own_stores_picks():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    [pick] = uow.picks.list_by(order_id=placed.id)
    with pytest.raises(ForbiddenError, match="bound to ST-PARIS-2"):
        confirm(uow, pick.id, picked_in_full(uow, pick.id), store=S2)
    with pytest.raises(ValidationError, match="is not a pick of ST-PARIS-2"):
        confirm_from_list(uow, pick.id, picked_in_full(uow, pick.id), node_id=S2)
    assert pick.status is PickStatus.OPEN and uow.committed == 1


def test_a_confirmation_names_every_line_within_its_quantity_and_only_once():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 2), ("TEA", 1)])
    mug, tea = (ln.id for ln in placed.lines)
    [pick] = uow.picks.list_by(order_id=placed.id)
    with pytest.raises(ValidationError) as refused:
        confirm(uow, pick.id, {mug: 3, "other": 1})
    assert len(refused.value.problems) == 3  # unknown line, missing line, over quantity
    confirm_from_list(uow, pick.id, {mug: 2, tea: 1}, node_id=S1)
    with pytest.raises(ConflictError, match="confirmed, not open"):
        confirm(uow, pick.id, {mug: 2, tea: 1})
