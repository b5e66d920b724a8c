"""The look-ahead policy in the service, on the fake unit of work: prices on the board steer
the promise, reservations and re-sourcing away from stock the forecast needs; the online
policy ignores them; a refresh prices the scarce near stock from last week's orders."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from oms.orders.lifecycle import OrderStatus
from oms.orders.model import DeliveryMethod, Order, OrderLine, OrderLineStatus
from oms.orders.reservations import reserve_held
from oms.promise.lookahead_prices import BoardPrices
from oms.promise.lookahead_refresh import compute_prices, refresh_forever
from oms.promise.service import NetworkCache, promise_for
from tests.fakes import FakeUnitOfWork
from tests.unit.services.orders_world import DC, PARIS, S1, S2, ship_request, world

NODES = (DC, S1, S2)


def priced(policy: str, mug_at_s1: float, *, skus=("MUG",)) -> NetworkCache:
    """A cache under `policy` whose board prices each unit of MUG at S1 `mug_at_s1`."""
    cache = NetworkCache(policy=policy)
    unit = np.zeros((len(skus), len(NODES)))
    unit[0, NODES.index(S1)] = mug_at_s1
    cache.board.publish(BoardPrices.of(skus, NODES, unit))
    return cache


def nodes_of(uow: FakeUnitOfWork, sku: str) -> dict[str, int]:
    """Units of the SKU held, by node."""
    levels = {n: uow.stock.levels(n, sku) for n in NODES}
    return {n: lv.reserved for n, lv in levels.items() if lv is not None and lv.reserved}


def test_under_lookahead_a_reservation_leaves_the_stock_its_prices_make_dear_and_online_takes_it():
    online, ahead = world(store=3), world(store=3)
    reserve_held(online, priced("online", 10.0), ship_request([("MUG", 2)]), key=None)
    reserve_held(ahead, priced("lookahead", 10.0), ship_request([("MUG", 2)]), key=None)
    assert nodes_of(online, "MUG") == {S1: 2}  # the Paris store: cheapest to Paris
    assert nodes_of(ahead, "MUG") == {DC: 2}


def test_under_lookahead_the_promise_ships_from_the_other_node_at_its_true_cost():
    uow = world(store=3)
    options = promise_for(uow, priced("lookahead", 10.0), [("MUG", 2)], *PARIS).options
    standard = next(o for o in options if o.id == "standard")
    assert {node for _, node, _ in standard.allocations} == {DC}
    # The cost shown is the plan's own, not the price that steered it: the same DC plan
    # costs the same when the Paris store has nothing to offer.
    plain = promise_for(world(store=0), NetworkCache(), [("MUG", 2)], *PARIS).options
    assert standard.cost == next(o for o in plain if o.id == "standard").cost
    online = promise_for(uow, priced("online", 10.0), [("MUG", 2)], *PARIS).options
    assert {n for _, n, _ in next(o for o in online if o.id == "standard").allocations} == {S1}


def test_a_sku_the_board_does_not_price_is_sourced_as_online():
    uow = world(store=3)
    reserve_held(uow, priced("lookahead", 10.0), ship_request([("TEA", 2)]), key=None)
    assert nodes_of(uow, "TEA") == {S1: 2}


def test_prices_above_the_unfilled_penalty_steer_but_never_leave_a_unit_unfilled():
    uow = world(dc=0, store=3)  # only the Paris store holds MUG
    got = reserve_held(uow, priced("lookahead", 500.0), ship_request([("MUG", 3)]), key=None)
    assert got.lines == [("MUG", S1, 3)]


PARIS_TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=PARIS_TZ)  # a Wednesday morning


def past_order(uow: FakeUnitOfWork, k: int, at: datetime, mugs: int) -> None:
    oid = f"O-{k}"
    uow.orders.add(
        Order(
            id=oid,
            status=OrderStatus.CREATED,
            channel="web",
            method=DeliveryMethod.SHIP,
            currency="EUR",
            dest_lat=PARIS[0],
            dest_lon=PARIS[1],
            created_at=at,
        )
    )
    uow.order_lines.add(
        OrderLine(
            id=f"{oid}-1",
            order_id=oid,
            line_no=0,
            sku_id="MUG",
            qty=mugs,
            price_minor=1299,
            status=OrderLineStatus.ALLOCATED,
        )
    )


def test_a_refresh_prices_the_near_stock_last_weeks_afternoon_orders_want():
    uow = world(dc=10, store=3)
    afternoon = NOW - timedelta(weeks=1) + timedelta(hours=7)
    for k in range(5):  # ten MUGs to Paris: more than the Paris store's three
        past_order(uow, k, afternoon, mugs=2)
    past_order(uow, 9, NOW - timedelta(days=1) + timedelta(hours=7), mugs=50)  # a Tuesday
    cache = NetworkCache(policy="lookahead")
    prices = compute_prices(uow, cache, weeks=1, now=NOW)
    assert prices.history_orders == 5 and prices.forecast_units == pytest.approx(10.0)
    unit = prices.rows(["MUG"], NODES)
    assert unit is not None
    at = dict(zip(NODES, unit[0].tolist(), strict=True))
    assert at[S1] > 0.5 and at[DC] == pytest.approx(0.0, abs=1e-6)
    # Priced, a 3-MUG order goes to Lyon; online takes the Paris store's three.
    cache.board.publish(prices)
    reserve_held(uow, cache, ship_request([("MUG", 3)]), key=None)
    assert nodes_of(uow, "MUG") == {DC: 3}
    other = world(dc=10, store=3)
    reserve_held(other, NetworkCache(), ship_request([("MUG", 3)]), key=None)
    assert nodes_of(other, "MUG") == {S1: 3}


def test_after_the_days_last_forecast_order_nothing_is_priced():
    uow = world(dc=10, store=3)
    past_order(uow, 1, NOW - timedelta(weeks=1) + timedelta(hours=7), mugs=10)
    evening = NOW + timedelta(hours=12)  # 20:00: last week's 15:00 orders are past
    prices = compute_prices(uow, NetworkCache(policy="lookahead"), weeks=1, now=evening)
    assert prices.forecast_units == 0.0 and prices.priced_pairs == 0


def test_the_refresh_loop_publishes_and_a_failed_refresh_keeps_the_last_prices():
    uow = world(dc=10, store=3)
    past_order(uow, 1, datetime.now(PARIS_TZ) + timedelta(minutes=1) - timedelta(weeks=1), 4)
    cache = NetworkCache(policy="lookahead")
    stop = threading.Event()
    stop.set()  # one refresh, then the loop ends

    @contextmanager
    def reads() -> Iterator[FakeUnitOfWork]:
        yield uow

    refresh_forever(reads, cache, stop, weeks=1, every_s=600)
    published = cache.board.current
    assert published.computed_at is not None and published.history_orders in (0, 1)

    @contextmanager
    def broken() -> Iterator[FakeUnitOfWork]:
        raise RuntimeError("database is away")
        yield uow

    refresh_forever(broken, cache, stop, weeks=1, every_s=600)
    assert cache.board.current is published
    assert cache.board.last_error == "RuntimeError: database is away"
