"""Promise options from a stock snapshot: ship standard/express and click-and-collect."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from oms.promise.options import Cart, promise
from oms.sourcing.contract import Settings
from oms.sourcing.network import Network, NodeInfo
from oms.sourcing.online import OnlineSourcer

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday, before the 14:00 cut-off


def network() -> Network:
    return Network(
        [
            NodeInfo("DC-LYON", "warehouse", 45.76, 4.84, True, False, None, 0.35, 4.5, 0.006),
            NodeInfo("ST-PARIS", "store", 48.86, 2.35, True, True, 40, 0.9, 6.0, 0.008),
            NodeInfo("ST-LILLE", "store", 50.63, 3.06, False, True, 40, 0.9, 6.0, 0.008),
        ]
    )


def run(stock_rows, qty=(1,), sku_index=(0,)):
    net = network()
    sourcer = OnlineSourcer(net.arrays, Settings(1.5, 100.0, True))
    stock = np.array(stock_rows, dtype=np.int64)
    cart = Cart(
        skus=[f"SKU-{k}" for k in sku_index],
        sku_index=np.array(sku_index),
        qty=np.array(qty),
        lat=48.85,
        lon=2.35,
    )
    return promise(net, sourcer, stock, net.capacity.copy(), cart, NOW)


def test_a_cart_in_stock_gets_standard_express_and_pickup_options():
    result = run([[5, 0, 0]])  # from Lyon, ~390 km: express (1 day) beats standard (2)
    ids = [o.id for o in result.options]
    assert ids[:2] == ["standard", "express"]
    assert "pickup:ST-PARIS" in ids
    standard, express = result.options[0], result.options[1]
    assert express.delivery_date < standard.delivery_date
    assert express.cost > standard.cost
    assert result.shortfalls == []


def test_express_no_faster_than_standard_is_not_offered():
    result = run([[5, 1, 0]])  # from the Paris store, 1 km away: both arrive the next day
    ids = [o.id for o in result.options]
    assert "standard" in ids and "express" not in ids
    assert "pickup:ST-PARIS" in ids


def test_delivery_dates_are_never_sundays_and_pickup_at_a_holding_store_is_same_day():
    result = run([[5, 1, 0]])
    for option in result.options:
        if option.delivery_date:
            assert option.delivery_date.weekday() != 6
    paris = next(o for o in result.options if o.id == "pickup:ST-PARIS")
    assert paris.allocations == [(0, "ST-PARIS", 1)]
    assert paris.ready_at.date() == NOW.date()


def test_pickup_at_a_store_without_stock_waits_for_a_transfer():
    result = run([[5, 0, 0]])
    lille = next(o for o in result.options if o.id == "pickup:ST-LILLE")
    assert lille.allocations == [(0, "DC-LYON", 1)]
    assert lille.ready_at.date() > NOW.date()


def test_a_cart_that_cannot_be_covered_reports_its_shortfalls_and_no_ship_option():
    result = run([[1, 0, 0]], qty=(3,))
    assert [o.method for o in result.options] == []
    assert result.shortfalls == [("SKU-0", 3, 1)]
