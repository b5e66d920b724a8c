"""The RMA state machine enforces its transitions; the returns rules stay framework-free."""

from __future__ import annotations

import subprocess
import sys

import pytest

from oms.returns import (
    COUNTS_AS_RETURNED,
    IllegalReturnTransition,
    Method,
    ReturnStatus,
    status_after_approval,
    transition,
)
from oms.returns.lifecycle import ALLOWED

R = ReturnStatus


def walk(*steps):
    status = R.REQUESTED
    for nxt in steps:
        status = transition(status, nxt)
    return status


def test_a_mail_return_walks_from_requested_to_closed_through_transit():
    assert walk(R.IN_TRANSIT, R.RECEIVED, R.REFUNDED, R.CLOSED) is R.CLOSED


def test_an_in_store_return_may_end_in_an_exchange():
    assert walk(R.AWAITING_DROP_OFF, R.RECEIVED, R.EXCHANGED, R.CLOSED) is R.CLOSED


def test_an_approved_return_waits_for_its_parcel_or_its_drop_off():
    assert status_after_approval(Method.MAIL) is R.IN_TRANSIT
    assert status_after_approval(Method.IN_STORE) is R.AWAITING_DROP_OFF


def test_a_return_can_be_cancelled_before_the_goods_move_but_not_once_they_travel():
    assert walk(R.CANCELLED) is R.CANCELLED
    assert walk(R.AWAITING_DROP_OFF, R.CANCELLED) is R.CANCELLED
    with pytest.raises(IllegalReturnTransition, match="in_transit: it cannot become cancelled"):
        walk(R.IN_TRANSIT, R.CANCELLED)


@pytest.mark.parametrize("final", [R.CLOSED, R.CANCELLED])
def test_final_statuses_allow_nothing(final):
    for target in R:
        with pytest.raises(IllegalReturnTransition) as err:
            transition(final, target)
        assert err.value.code == "illegal_transition"
        assert err.value.detail == f"return is {final.value}: it cannot become {target.value}"


def test_a_refund_needs_the_goods_received_first():
    with pytest.raises(IllegalReturnTransition):
        walk(R.IN_TRANSIT, R.REFUNDED)
    assert set(ALLOWED) == set(R)


def test_every_status_but_cancelled_holds_its_units_as_returned():
    assert set(R) - COUNTS_AS_RETURNED == {R.CANCELLED}


def test_importing_the_returns_rules_loads_no_framework():
    code = (
        "import sys, oms.returns\n"
        "bad = {'sqlalchemy', 'fastapi', 'numba', 'ortools', 'pydantic', 'alembic'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
