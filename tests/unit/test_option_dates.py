"""Calendar answers kept per minute: exact ship dates, pick-ready never early, a new minute gets
new answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oms.promise import pickup_ready_at, ship_date
from oms.promise.option_dates import OptionDates
from oms.sourcing.network import Network, NodeInfo

NODES = [
    NodeInfo("DC-LYON", "warehouse", 45.76, 4.84, True, False, None, 0.35, 4.5, 0.006),
    NodeInfo("ST-PARIS", "store", 48.86, 2.35, True, True, 40, 0.9, 6.0, 0.008),
]


def test_answers_within_a_minute_are_shared_and_the_next_minute_gets_its_own():
    book = OptionDates(Network(NODES))
    now = datetime(2026, 11, 24, 13, 59, 10, tzinfo=UTC)
    first = book.at(now)
    assert book.at(now + timedelta(seconds=40)) is first
    later = book.at(now + timedelta(seconds=50))  # 14:00:00, the next minute
    assert later is not first and later.minute == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert book.at(now) is first  # a caller with its own clock still gets its minute


def test_ship_dates_are_exact_and_pick_ready_is_never_early():
    network = Network(NODES)
    book = OptionDates(network)
    start = datetime(2026, 11, 24, 12, 58, tzinfo=UTC)  # around the 14:00 Paris cut-off
    for second in range(0, 4 * 60, 7):
        now = start + timedelta(seconds=second)
        dates = book.at(now)
        assert dates.ship_date(0) == ship_date(network.nodes[0].calendar, now)
        exact = pickup_ready_at(network.nodes[1].calendar, now)
        assert exact <= dates.pick_ready(1) <= exact + timedelta(minutes=1)
