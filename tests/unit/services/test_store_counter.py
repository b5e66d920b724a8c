"""The store counter on the fake unit of work: the pickups queue by slot, handover with a
refused line, names compared as the counter compares them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oms.domain.events import Collected, HandedOver
from oms.promise.service import NetworkCache
from oms.stores.handover import CustomerNameMismatch, folded, hand_over, ready_pickups
from oms.stores.model import PickupSlot
from oms.stores.picks import confirm
from tests.unit.services.orders_world import S1, TEA_PRICE, held, pickup_order, world


def ready(uow, cache, lines):
    placed = pickup_order(uow, cache, lines)
    [pick] = uow.picks.list_by(order_id=placed.id)
    confirm(
        uow, pick.id, {ln.order_line_id: ln.qty for ln in uow.pick_lines.list_by(pick_id=pick.id)}
    )
    order = uow.orders.get(placed.id)
    order.customer_name = "Zoé Durand"
    return order


def test_a_name_is_compared_without_accents_case_or_extra_spaces():
    assert folded("  ZOÉ   Durand ") == folded("zoe durand") == "zoe durand"
    assert folded("Søren") != folded("Soren")  # a letter of its own, not an accent


def test_the_pickups_queue_comes_by_slot_before_the_end_of_a_hold():
    uow, cache = world(), NetworkCache()
    first, second = ready(uow, cache, [("MUG", 1)]), ready(uow, cache, [("TEA", 1)])
    soon = datetime.now(UTC) + timedelta(minutes=30)
    uow.slots.add(PickupSlot(id="SL-1", node_id=S1, starts_at=soon, ends_at=soon, capacity=1))
    second.slot_id = "SL-1"
    queue = ready_pickups(uow, S1)
    assert [p.order_id for p in queue] == [second.id, first.id]
    assert queue[0].due_at == soon and not queue[0].overdue
    assert [(ln.name, ln.bin) for ln in queue[1].lines] == [("Mug", "A-MUG")]


def test_a_refused_line_goes_back_to_stock_and_is_refunded_and_the_rest_is_collected():
    uow, cache = world(), NetworkCache()
    order = ready(uow, cache, [("MUG", 1), ("TEA", 2)])
    [tea] = [ln for ln in uow.order_lines.list_by(order_id=order.id) if ln.sku_id == "TEA"]
    with pytest.raises(CustomerNameMismatch):
        hand_over(uow, S1, order.id, customer_name="Zoe Dupont")
    uow.emitted.clear()
    view = hand_over(uow, S1, order.id, customer_name="zoe durand", refused=[tea.id])
    assert view.status == "collected"
    assert held(uow, S1, "TEA") == (3, 0) and held(uow, S1, "MUG") == (2, 0)
    assert [r.amount_minor for r in uow.refunds.list_by(order_id=order.id)] == [2 * TEA_PRICE]
    [event] = [e for e in uow.emitted if isinstance(e, HandedOver)]
    assert (event.verified_by, event.refused) == ("name", [tea.id])
    assert any(isinstance(e, Collected) for e in uow.emitted)
