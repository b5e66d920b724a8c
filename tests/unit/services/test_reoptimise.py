"""Re-optimisation of open orders on the fake unit of work: a bad sequence of orders is undone,
a dry run changes nothing, promises and frozen units are kept, the lease and bad filters refuse.

The bad sequence (tests/unit/services/orders_world.py's network): order 1, to Dijon, takes the
Paris store's only mug (a little cheaper than the Lyon DC); order 2, to Paris, then needs a mug
and a tea (only the store has tea): a split, the mug from Lyon. Jointly, order 1 ships from
Lyon and order 2 whole from the store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from oms.domain.errors import ValidationError
from oms.domain.events import Resourced
from oms.orders.model import ShipmentStatus
from oms.promise.service import NetworkCache
from oms.stores.model import PickStatus
from oms.stores.reoptimise import (
    ReoptimisationRunning,
    Request,
    reoptimise,
    reoptimise_forever,
)
from oms.stores.reoptimise_collect import Region, Scope
from tests.fakes import FakeUnitOfWork
from tests.unit.services.orders_world import DC, S1, S2, held, order, world

DIJON = (47.32, 5.04)


class Lease:
    """The lease in memory: one holder at a time."""

    def __init__(self) -> None:
        self.holder: str | None = None

    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        if self.holder is not None:
            return False
        self.holder = holder
        return True

    def give_back(self, name: str, holder: str) -> None:
        if self.holder == holder:
            self.holder = None


def opener(uow: FakeUnitOfWork):
    @contextmanager
    def open_uow() -> Iterator[FakeUnitOfWork]:
        yield uow

    return open_uow


def bad_sequence(uow: FakeUnitOfWork, cache: NetworkCache) -> tuple[str, str]:
    uow.stock.set_stock(DC, "TEA", on_hand=0)  # tea only at the store
    first = order(uow, cache, [("MUG", 1)], destination=DIJON)
    second = order(uow, cache, [("MUG", 1), ("TEA", 1)])
    generous = datetime.now(UTC) + timedelta(days=30)  # no node breaks the promise
    for s in uow.shipments.list_by():
        s.promised_at = generous
    return first.id, second.id


def shipments(uow: FakeUnitOfWork, order_id: str) -> list[tuple[str, str]]:
    return sorted(
        (s.node_id, s.status.value)
        for s in uow.shipments.list_by(order_id=order_id)
        if s.status is not ShipmentStatus.CANCELLED
    )


def ledger_balances(uow: FakeUnitOfWork) -> bool:
    """reserved = units of live allocations, per (node, SKU)."""
    live = {s.id for s in uow.shipments.list_by() if s.status is not ShipmentStatus.CANCELLED}
    want: dict[tuple[str, str], int] = {}
    for a in uow.allocations.list_by():
        if a.shipment_id in live:
            sku = uow.order_lines.get(a.order_line_id).sku_id
            want[(a.node_id, sku)] = want.get((a.node_id, sku), 0) + a.qty
    have = {k: item.reserved for k, item in uow.stock.items.items() if item.reserved}
    return have == want


def run(uow: FakeUnitOfWork, cache: NetworkCache, **request: object):
    return reoptimise(opener(uow), cache, Lease(), Request(**request))  # type: ignore[arg-type]


def test_a_bad_sequence_of_orders_is_undone_and_the_cost_falls() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    first, second = bad_sequence(uow, cache)
    assert shipments(uow, second) == [(DC, "created"), (S1, "created")]  # split
    report = run(uow, cache, time_limit_s=5)
    assert report.status == "optimal" and not report.dry_run
    assert report.cost_after < report.cost_before and report.saving > 5
    assert (report.splits_before, report.splits_after) == (1, 0)
    assert (report.shipments_before, report.shipments_after) == (3, 2)
    assert report.bound is not None and report.bound <= report.cost_after + 1e-6
    assert {m.order for m in report.moves} == {first, second}
    assert shipments(uow, first) == [(DC, "created")]
    assert shipments(uow, second) == [(S1, "created")]
    assert held(uow, S1, "MUG") == (1, 1) and held(uow, DC, "MUG") == (10, 1)
    assert ledger_balances(uow)
    reasons = {(e.order_id, e.node, e.reason) for e in uow.emitted if isinstance(e, Resourced)}
    assert reasons == {(first, DC, "reoptimised"), (second, S1, "reoptimised")}


def test_the_moved_orders_store_picks_follow_their_units() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    first, second = bad_sequence(uow, cache)
    run(uow, cache)
    assert [p.status for p in uow.picks.list_by(order_id=first)] == [PickStatus.CANCELLED]
    [pick] = uow.picks.list_by(order_id=second, status=PickStatus.OPEN)
    lines = {
        uow.order_lines.get(ln.order_line_id).sku_id: ln.qty
        for ln in uow.pick_lines.list_by(pick_id=pick.id)
    }
    assert lines == {"MUG": 1, "TEA": 1}


def test_a_dry_run_lists_the_moves_and_changes_nothing() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    _first, second = bad_sequence(uow, cache)
    before = {k: (i.on_hand, i.reserved) for k, i in uow.stock.items.items()}
    uow.emitted.clear()
    report = run(uow, cache, dry_run=True)
    assert report.dry_run and report.saving > 5 and len(report.moves) == 2
    assert {k: (i.on_hand, i.reserved) for k, i in uow.stock.items.items()} == before
    assert shipments(uow, second) == [(DC, "created"), (S1, "created")]
    assert uow.emitted == []


def test_no_move_makes_an_order_later_than_its_promise() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    _first, second = bad_sequence(uow, cache)
    for s in uow.shipments.list_by():  # promised as early as can be: every other node is later
        s.promised_at = datetime(2000, 1, 1, tzinfo=UTC)
    report = run(uow, cache)
    assert report.moves == [] and report.saving == 0
    assert shipments(uow, second) == [(DC, "created"), (S1, "created")]


def test_units_of_a_confirmed_pick_do_not_move() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    first, _second = bad_sequence(uow, cache)
    [pick] = uow.picks.list_by(order_id=first)
    pick.status = PickStatus.CONFIRMED
    report = run(uow, cache)
    assert first not in {m.order for m in report.moves}
    assert shipments(uow, first) == [(S1, "created")]
    assert ledger_balances(uow)


def test_filters_narrow_the_orders_considered() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    _first, second = bad_sequence(uow, cache)
    assert run(uow, cache, scope=Scope(orders=(second,)), dry_run=True).orders_considered == 1
    assert run(uow, cache, scope=Scope(node=DC), dry_run=True).orders_considered == 1
    far = Region(lat=DIJON[0], lon=DIJON[1], radius_km=20)
    assert run(uow, cache, scope=Scope(region=far), dry_run=True).orders_considered == 1


def test_unknown_node_and_orders_are_refused_naming_the_field() -> None:
    uow, cache = world(), NetworkCache()
    with pytest.raises(ValidationError) as err:
        run(uow, cache, scope=Scope(node="NOPE", orders=("O-NOPE",)))
    assert err.value.problems == [
        'node: unknown node "NOPE"',
        'orders[0]: order "O-NOPE" does not exist',
    ]


def test_a_second_run_while_one_holds_the_lease_is_refused() -> None:
    uow, cache = world(), NetworkCache()
    lease = Lease()
    lease.take("reoptimise", "other", datetime.now(UTC), datetime.now(UTC))
    with pytest.raises(ReoptimisationRunning):
        reoptimise(opener(uow), cache, lease, Request())  # type: ignore[arg-type]


def test_with_nothing_to_move_the_answer_says_so() -> None:
    uow, cache = world(), NetworkCache()
    report = run(uow, cache)
    assert report.status == "nothing_to_do" and report.moves == []


def test_the_scheduled_run_reoptimises_once_warm_and_stops_when_told(caplog) -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    _first, second = bad_sequence(uow, cache)
    stop, warm = threading.Event(), threading.Event()
    warm.set()
    lease = Lease()
    original = lease.give_back

    def give_back_and_stop(name: str, holder: str) -> None:
        original(name, holder)
        stop.set()  # one run is enough

    lease.give_back = give_back_and_stop  # type: ignore[method-assign]
    with caplog.at_level(logging.INFO, logger="oms.reoptimise"):
        reoptimise_forever(
            opener(uow), cache, lease, stop, every_s=0.01, time_limit_s=2, after=warm
        )
    assert shipments(uow, second) == [(S1, "created")]
    assert "re-optimisation optimal: 2 orders, 2 moved" in caplog.text


def test_the_scheduled_run_skips_while_another_holds_the_lease(caplog) -> None:
    uow, cache = world(), NetworkCache()
    stop = threading.Event()
    lease = Lease()
    lease.take("reoptimise", "other", datetime.now(UTC), datetime.now(UTC))
    timer = threading.Timer(0.2, stop.set)
    timer.start()
    with caplog.at_level(logging.INFO, logger="oms.reoptimise"):
        reoptimise_forever(opener(uow), cache, lease, stop, every_s=0.05, time_limit_s=1)
    timer.join()
    assert "skipped: another run holds the lease" in caplog.text


def test_a_disabled_node_keeps_what_it_holds_but_receives_nothing() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    first, second = bad_sequence(uow, cache)
    uow.nodes.get(DC).enabled = False
    cache.changed({}, nodes=True)
    report = run(uow, cache)
    assert report.moves == []  # order 1 cannot go to the DC, so order 2 keeps its split
    assert shipments(uow, first) == [(S1, "created")]
    assert shipments(uow, second) == [(DC, "created"), (S1, "created")]
    assert ledger_balances(uow)


def test_under_lookahead_prices_steer_the_moves_and_the_costs_stay_the_contracts() -> None:
    """A mug placed online at the Paris store, where the board prices mugs dear: re-optimised
    under look-ahead it goes to the DC (dearer in cost, cheaper with the price); online, it
    stays."""
    from oms.promise.lookahead_prices import BoardPrices

    def placed(policy: str) -> tuple[FakeUnitOfWork, NetworkCache, str]:
        uow, cache = world(dc=10, store=3), NetworkCache(policy=policy)
        mug = order(uow, cache, [("MUG", 1)]).id  # placed before the board has prices
        for s in uow.shipments.list_by():
            s.promised_at = datetime.now(UTC) + timedelta(days=30)
        unit = [[0.0, 10.0, 0.0]]  # (DC, S1, S2): the store's mugs are wanted later
        cache.board.publish(BoardPrices.of(("MUG",), (DC, S1, "ST-PARIS-2"), np.array(unit)))
        return uow, cache, mug

    uow, cache, mug = placed("lookahead")
    report = run(uow, cache)
    assert report.priced and shipments(uow, mug) == [(DC, "created")]
    assert report.cost_after > report.cost_before  # the contract's cost rose ...
    assert report.objective_after < report.objective_before  # ... the priced one fell
    uow, cache, mug = placed("online")
    report = run(uow, cache)
    assert not report.priced and report.moves == [] and shipments(uow, mug) == [(S1, "created")]


def test_a_pickups_units_at_its_store_stay_and_its_transfers_may_move() -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    at_store = order(uow, cache, [("MUG", 1)], method="pickup", pickup_node=S1, destination=None)
    transfer = order(uow, cache, [("TEA", 1)], method="pickup", pickup_node=S2,
                     destination=None)  # fmt: skip
    report = run(uow, cache, dry_run=True)
    assert report.orders_considered == 1  # the transfer only: the mug is at its store already
    assert at_store.id not in {m.order for m in report.moves}
    only_store = run(uow, cache, scope=Scope(orders=(at_store.id,)), dry_run=True)
    assert only_store.status == "nothing_to_do"
    only_transfer = run(uow, cache, scope=Scope(orders=(transfer.id,)), dry_run=True)
    assert only_transfer.orders_considered == 1


def test_two_orders_that_must_swap_their_units_move_together() -> None:
    """Order A (to Paris) took the DC's only mug while the store had none; order B (to Lyon)
    then took the store's only mug. Neither can move alone (each needs the other's mug): they
    move in one transaction."""
    uow, cache = world(dc=1, store=0), NetworkCache()
    a = order(uow, cache, [("MUG", 1)]).id
    uow.stock.set_stock(S1, "MUG", on_hand=1)
    b = order(uow, cache, [("MUG", 1)], destination=(45.76, 4.84)).id
    for s in uow.shipments.list_by():
        s.promised_at = datetime.now(UTC) + timedelta(days=30)
    assert (shipments(uow, a), shipments(uow, b)) == ([(DC, "created")], [(S1, "created")])
    report = run(uow, cache)
    assert report.skipped == [] and {m.order for m in report.moves} == {a, b}
    assert (shipments(uow, a), shipments(uow, b)) == ([(S1, "created")], [(DC, "created")])
    assert ledger_balances(uow)


def test_a_move_the_database_refuses_is_skipped_and_the_run_still_answers(monkeypatch) -> None:
    uow, cache = world(dc=10, store=1), NetworkCache()
    first, second = bad_sequence(uow, cache)
    real = uow.stock.move

    def refuse_the_first(release, hold, *, ref=None):  # the first order's move only
        if ref == first:
            raise RuntimeError("deadlock detected")
        return real(release, hold, ref=ref)

    monkeypatch.setattr(uow.stock, "move", refuse_the_first)
    report = run(uow, cache)
    # The second order waited on the first's mug: it stays too, having lost the race.
    assert sorted(report.skipped) == sorted([(first, "failed"), (second, "lost_race")])
    assert shipments(uow, first) == [(S1, "created")]  # nothing of it changed
    assert ledger_balances(uow)


def test_units_moved_to_a_pickups_store_join_its_shipment_there() -> None:
    """A pickup at ST-PARIS-2: its mug is at the store, its tea came from ST-PARIS-1 (the store
    had none). Tea arrives at ST-PARIS-2: re-optimised, the tea joins the store's shipment and
    its open pick; no second shipment or pick there."""
    uow, cache = world(dc=10, store=1), NetworkCache()
    uow.stock.set_stock(S2, "MUG", on_hand=1)
    uow.stock.set_stock(S1, "MUG", on_hand=0)  # else both would come from ST-PARIS-1
    placed = order(uow, cache, [("MUG", 1), ("TEA", 1)], method="pickup", pickup_node=S2,
                   destination=None)  # fmt: skip
    for s in uow.shipments.list_by():
        s.promised_at = datetime.now(UTC) + timedelta(days=30)
    assert shipments(uow, placed.id) == [(S1, "created"), (S2, "created")]
    uow.stock.set_stock(S2, "TEA", on_hand=1)
    report = run(uow, cache)
    assert shipments(uow, placed.id) == [(S2, "created")]
    assert (report.shipments_before, report.shipments_after) == (2, 1)
    [pick] = uow.picks.list_by(order_id=placed.id, node_id=S2)
    lines = {ln.sku_id: ln.qty for ln in uow.pick_lines.list_by(pick_id=pick.id)}
    assert pick.status is PickStatus.OPEN and lines == {"MUG": 1, "TEA": 1}
    assert ledger_balances(uow)


def test_an_order_whose_plan_the_network_no_longer_allows_is_left_as_it_is() -> None:
    """The DC stopped shipping after order 2 took its mug there: staying is not a plan the
    contract allows any more, so the order is skipped, never moved by force."""
    uow, cache = world(dc=10, store=1), NetworkCache()
    first, second = bad_sequence(uow, cache)
    uow.nodes.get(DC).can_ship = False
    cache.changed({}, nodes=True)
    report = run(uow, cache)
    assert (second, "ineligible") in report.skipped
    assert shipments(uow, second) == [(DC, "created"), (S1, "created")]
    assert first not in {m.order for m in report.moves}  # the DC takes nothing new either
    assert ledger_balances(uow)
