"""Rejections and capacity controls on the fake unit of work: each reason's stock effect, the
units re-sourced or refunded, collateral rejection, the analytics; a paused or full store
left out of sourcing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.errors import ValidationError
from oms.domain.events import PickRejected, Resourced
from oms.promise.service import NetworkCache
from oms.stores import capacity, rejections
from oms.stores.model import PickStatus
from tests.unit.services.orders_world import DC, S1, held, order, world


def pick_of(uow, order_id: str):
    [pick] = uow.picks.list_by(order_id=order_id, node_id=S1)
    return pick


def test_a_damaged_unit_leaves_the_shelf_and_is_held_at_the_dc_instead():
    uow, cache = world(dc=10, store=3), NetworkCache()
    placed = order(uow, cache, [("MUG", 2)])
    mug = placed.lines[0].id
    done = rejections.reject(uow, cache, S1, pick_of(uow, placed.id).id, [(mug, 1)], "damaged")
    assert held(uow, S1, "MUG") == (2, 1) and held(uow, DC, "MUG") == (10, 1)
    [rejected] = [e for e in uow.emitted if isinstance(e, PickRejected)]
    assert (rejected.reason, rejected.lines, rejected.qty) == ("damaged", {mug: 1}, 1)
    assert [e.node for e in uow.emitted if isinstance(e, Resourced)] == [DC]
    assert [s.node for s in done.orders[0].shipments] == [S1, DC]


def test_units_no_node_has_are_refunded_and_an_emptied_pick_is_cancelled():
    uow, cache = world(dc=0, store=3), NetworkCache()
    placed = order(uow, cache, [("MUG", 1)])
    pick = pick_of(uow, placed.id)
    rejections.reject(uow, cache, S1, pick.id, None, "no_time")
    assert pick.status is PickStatus.CANCELLED
    assert held(uow, S1, "MUG") == (3, 0)  # no_time: the stock stays
    [refund] = uow.refunds.list_by(order_id=placed.id)
    assert refund.reason == "rejected (no_time)"
    assert uow.orders.get(placed.id).status == "cancelled"


def test_collateral_rejects_the_sku_in_other_picks_and_not_found_empties_the_shelf():
    uow, cache = world(dc=10, store=3), NetworkCache()
    first, second = order(uow, cache, [("MUG", 1)]), order(uow, cache, [("MUG", 1), ("TEA", 1)])
    done = rejections.reject(
        uow, cache, S1, pick_of(uow, first.id).id, None, "not_found", collateral=True
    )
    assert [(p.order_id, p.collateral) for p in done.picks] == [
        (first.id, False),
        (second.id, True),
    ]
    assert held(uow, S1, "MUG") == (0, 0) and held(uow, S1, "TEA") == (3, 1)
    found = rejections.summary(uow, 7)
    assert (found.count, found.units) == (2, 2)
    assert [(t.key, t.units) for t in found.by_sku] == [("MUG", 2)]


def test_a_bad_reason_or_too_many_units_are_refused_before_anything_changes():
    uow, cache = world(), NetworkCache()
    placed = order(uow, cache, [("MUG", 2)])
    pick, mug = pick_of(uow, placed.id), placed.lines[0].id
    with pytest.raises(ValidationError, match="reason"):
        rejections.reject(uow, cache, S1, pick.id, None, "lazy")
    with pytest.raises(ValidationError, match=r"1\.\.2"):
        rejections.reject(uow, cache, S1, pick.id, [(mug, 3)], "damaged")
    assert held(uow, S1, "MUG") == (3, 2) and uow.pick_rejections.rows == {}


def test_a_paused_store_and_a_full_one_are_left_out_until_they_take_orders_again():
    uow, cache = world(dc=10, store=3), NetworkCache(refresh_s=0)
    later = datetime.now(UTC) + timedelta(hours=2)
    capacity.set_capacity(uow, S1, None, True, later)
    assert {a.node for a in order(uow, cache, [("MUG", 1)]).lines[0].allocations} == {DC}
    capacity.set_capacity(uow, S1, 1, False)
    assert {a.node for a in order(uow, cache, [("MUG", 1)]).lines[0].allocations} == {S1}
    assert {a.node for a in order(uow, cache, [("MUG", 1)]).lines[0].allocations} == {DC}
    found = capacity.capacity_of(uow, S1)
    assert (found.orders_today, found.left_today, found.taking_orders) == (1, 0, False)
