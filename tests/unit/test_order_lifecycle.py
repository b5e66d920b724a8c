"""The order state machine enforces its transitions."""

from __future__ import annotations

import pytest

from oms.orders.lifecycle import ALLOWED, CANCELLABLE, IllegalTransition, OrderStatus, transition

S = OrderStatus


def test_a_ship_order_walks_from_created_to_delivered():
    status = S.CREATED
    for nxt in (S.ALLOCATED, S.PICKING, S.SHIPPED, S.DELIVERED):
        status = transition(status, nxt)
    assert status is S.DELIVERED


def test_a_pickup_order_walks_to_collected():
    status = S.CREATED
    for nxt in (S.ALLOCATED, S.PICKING, S.READY_FOR_PICKUP, S.COLLECTED):
        status = transition(status, nxt)
    assert status is S.COLLECTED


@pytest.mark.parametrize("final", [S.DELIVERED, S.COLLECTED, S.EXPIRED, S.CANCELLED])
def test_final_statuses_allow_nothing(final):
    for target in S:
        with pytest.raises(IllegalTransition) as err:
            transition(final, target)
        assert err.value.code == "illegal_transition"
        assert final.value in err.value.detail


def test_shipped_goods_can_no_longer_be_cancelled():
    assert S.SHIPPED not in CANCELLABLE
    with pytest.raises(IllegalTransition, match="shipped: it cannot become cancelled"):
        transition(S.SHIPPED, S.CANCELLED)


def test_every_status_has_its_rule():
    assert set(ALLOWED) == set(S)
