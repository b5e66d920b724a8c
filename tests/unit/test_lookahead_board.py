"""The live service's look-ahead pieces that need no database: the same-weekday estimator
(history windows, rows to contract arrays, weights) and the price board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from oms.promise.demand_estimate import (
    history_arrays,
    history_windows,
    network_timezone,
    same_weekday_lines,
    seconds_into_day,
)
from oms.promise.lookahead_prices import BoardPrices, PriceBoard
from oms.promise.ports import HistoryLine
from oms.sourcing.contract import NO_LIMIT, Nodes
from oms.sourcing.network import Network, NodeInfo

PARIS = ZoneInfo("Europe/Paris")
NODES = Nodes(
    ids=["DC", "ST"],
    kind=["warehouse", "store"],
    lat=np.array([45.76, 48.86]),
    lon=np.array([4.84, 2.35]),
    can_ship=np.array([True, True]),
    can_pickup=np.array([False, True]),
    capacity=np.array([NO_LIMIT, 40]),
    handling_cost=np.array([0.35, 0.5]),
    shipment_cost=np.array([4.5, 3.0]),
    cost_per_km=np.array([0.006, 0.008]),
    index={"DC": 0, "ST": 1},
)


def line(oid: str, at: datetime, sku: str, qty: int, **where: object) -> HistoryLine:
    fields: dict[str, object] = {"pickup_node": None, "dest_lat": 48.85, "dest_lon": 2.35}
    return HistoryLine(oid, at, sku_id=sku, qty=qty, **(fields | where))  # type: ignore[arg-type]


def test_the_windows_are_the_same_weekday_of_each_past_week_in_local_days():
    now = datetime(2026, 12, 2, 9, 30, tzinfo=PARIS)  # a Wednesday
    windows = history_windows(now, 3, "Europe/Paris")
    assert [a.date().isoformat() for a, _ in windows] == ["2026-11-25", "2026-11-18", "2026-11-11"]
    for start, end in windows:
        assert start.weekday() == now.weekday() == 2
        assert (start.hour, start.minute) == (0, 0) and end - start == timedelta(days=1)
    # Late on Tuesday in UTC is already Wednesday in Paris: the network's day decides.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert history_windows(late, 1, "Europe/Paris")[0][0].weekday() == 2


def test_a_window_across_the_clock_change_is_a_local_day_of_25_hours():
    now = datetime(2026, 11, 1, 12, 0, tzinfo=PARIS)  # the Sunday after the change
    [(start, end)] = history_windows(now, 1, "Europe/Paris")
    assert start.date().isoformat() == "2026-10-25"
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)


def test_the_time_of_day_is_the_local_wall_clock():
    at = datetime(2026, 12, 2, 14, 15, 30, tzinfo=UTC)
    assert seconds_into_day(at, "Europe/Paris") == 15 * 3600 + 15 * 60 + 30
    assert seconds_into_day(at, "UTC") == 14 * 3600 + 15 * 60 + 30


def test_the_network_lives_by_the_time_zone_most_of_its_nodes_name():
    from oms.domain.calendar import NodeCalendar

    def info(i: str, zone: str) -> NodeInfo:
        return NodeInfo(
            i,
            "store",
            48.0,
            2.0,
            True,
            True,
            None,
            0.5,
            3.0,
            0.008,
            calendar=NodeCalendar(timezone=zone),
        )

    network = Network([info("A", "Europe/Paris"), info("B", "UTC"), info("C", "Europe/Paris")])
    assert network_timezone(network) == "Europe/Paris"
    assert network_timezone(Network([])) == "UTC"


def test_history_rows_become_contract_orders_and_unplaceable_orders_are_left_out():
    at = datetime(2026, 11, 25, 15, 0, tzinfo=PARIS)
    rows = [
        line("O-1", at, "MUG", 2),
        line("O-1", at, "TEA", 1),
        line("O-2", at, "TEA", 3, pickup_node="ST", dest_lat=None, dest_lon=None),
        line("O-3", at, "MUG", 1, dest_lat=None, dest_lon=None),  # erased address
        line("O-4", at, "MUG", 1, pickup_node="GONE"),  # store no longer in the network
    ]
    h = history_arrays(rows, NODES, "Europe/Paris")
    o = h.orders
    assert o.ids == ["O-1", "O-2"] and h.sku_ids == ["MUG", "TEA"]
    assert o.line_start.tolist() == [0, 2, 3]
    assert o.line_sku.tolist() == [0, 1, 1] and o.line_qty.tolist() == [2, 1, 3]
    assert o.line_order.tolist() == [0, 0, 1]
    assert o.is_pickup.tolist() == [False, True] and o.pickup_node.tolist() == [-1, 1]
    assert (o.dest_lat[1], o.dest_lon[1]) == (48.86, 2.35)  # collected at the store
    assert h.time_s.tolist() == [15 * 3600.0, 15 * 3600.0]


def test_the_forecast_is_each_past_weeks_demand_after_now_weighted_one_over_k():
    def on(day: int, hour: int) -> datetime:
        return datetime(2026, 11, day, hour, 0, tzinfo=PARIS)

    rows = [
        line("A-1", on(25, 9), "MUG", 2),  # before 12:00: already past today
        line("A-2", on(25, 15), "MUG", 4),
        line("B-1", on(18, 16), "TEA", 1),
        line("B-2", on(18, 18), "MUG", 2),
    ]
    h = history_arrays(rows, NODES, "Europe/Paris")
    lines = same_weekday_lines(h, NODES, weeks=2)
    assert lines.orders == pytest.approx(2.0)  # four orders over two weeks: two a day
    rest = lines.after(12 * 3600.0)
    by_sku = dict(zip(h.sku_ids, rest.units.sum(axis=0).tolist(), strict=True))
    assert by_sku == pytest.approx({"MUG": (4 + 2) / 2, "TEA": 1 / 2})
    assert lines.after(0.0).total == pytest.approx((2 + 4 + 1 + 2) / 2)
    assert lines.after(20 * 3600.0).total == 0.0


def test_an_empty_history_forecasts_nothing():
    h = history_arrays([], NODES, "UTC")
    assert len(h.orders) == 0 and h.sku_ids == []


def board(unit: list[list[float]], skus=("MUG", "TEA"), nodes=("DC", "ST")) -> BoardPrices:
    return BoardPrices.of(skus, nodes, np.array(unit, dtype=np.float64))


def test_the_board_gives_a_requests_rows_and_zero_for_a_sku_it_does_not_know():
    p = board([[0.0, 2.5], [1.0, 0.0]])
    got = p.rows(["TEA", "NEW", "MUG"], ("DC", "ST"))
    assert got is not None and got.shape == (3, 2)
    assert got.tolist() == [[1.0, 0.0], [0.0, 0.0], [0.0, 2.5]]
    assert p.rows(["NEW"], ("DC", "ST")) is None  # nothing priced: the online decision
    assert board([[0.0, 0.0], [0.0, 0.0]]).rows(["MUG"], ("DC", "ST")) is None


def test_a_node_added_since_the_refresh_is_priced_zero_and_columns_follow_the_network():
    p = board([[3.0, 2.5], [0.0, 0.0]])
    got = p.rows(["MUG"], ("ST", "NEW", "DC"))
    assert got is not None and got.tolist() == [[2.5, 0.0, 3.0]]


def test_the_board_refuses_prices_of_the_wrong_shape_and_keeps_them_read_only():
    with pytest.raises(ValueError, match="shape"):
        board([[1.0, 2.0, 3.0]])
    p = board([[1.0, 2.0], [0.0, 0.0]])
    with pytest.raises(ValueError):
        p.unit[0, 0] = 9.0


def test_publishing_swaps_the_whole_board_and_a_reader_keeps_what_it_took():
    b = PriceBoard()
    before = b.current
    assert before.computed_at is None and before.rows(["MUG"], ("DC", "ST")) is None
    taken = board([[1.0, 0.0], [0.0, 0.0]])
    b.publish(taken)
    held = b.current
    b.publish(board([[0.0, 5.0], [0.0, 0.0]]))
    assert held is taken and held.rows(["MUG"], ("DC", "ST")).tolist() == [[1.0, 0.0]]
    assert b.current.rows(["MUG"], ("DC", "ST")).tolist() == [[0.0, 5.0]]


def test_a_failed_refresh_is_remembered_until_the_next_published_prices():
    b = PriceBoard()
    at = datetime(2026, 12, 2, tzinfo=UTC)
    b.failed(at, "OperationalError: no such table")
    assert b.last_error and b.failed_at == at
    b.publish(board([[1.0, 0.0], [0.0, 0.0]]))
    assert b.last_error is None


def test_the_top_prices_are_the_highest_first_and_count_the_priced_pairs():
    p = board([[0.0, 2.5], [4.0, 0.5]])
    assert [(t.sku, t.node, t.price) for t in p.top(2)] == [("TEA", "DC", 4.0), ("MUG", "ST", 2.5)]
    assert p.priced_pairs == 3 and len(p.top(10)) == 3
    assert BoardPrices.empty().top() == [] and BoardPrices.empty().priced_pairs == 0
