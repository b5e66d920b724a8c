"""What the tracking page offers to return follows the eligibility rules: delivered units not
already on a return, not final sale, within the window of the channel of purchase."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from oms.returns.model import OrderFacts, OrderLineFacts, ReturnNode
from oms.returns.options import return_options
from oms.returns.policy import Channel, ReturnPolicy

DELIVERED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
NODES = {
    "DC": ReturnNode("DC", "warehouse", 45.7, 4.8, True),
    "ST-B": ReturnNode("ST-B", "store", 48.8, 2.3, True),
    "ST-A": ReturnNode("ST-A", "store", 48.9, 2.3, True),
    "ST-C": ReturnNode("ST-C", "store", 48.7, 2.3, False),
}


def line(line_id: str, delivered: int, returned: int = 0, final: bool = False) -> OrderLineFacts:
    return OrderLineFacts(line_id, line_id, 2, delivered, returned, 1000, final, DELIVERED)


def test_delivered_lines_are_returnable_until_the_window_closes_by_post_or_in_store():
    facts = OrderFacts("O-1", Channel.WEB, (line("MUG", 2, returned=1), line("TEA", 2, final=True)))
    options = return_options(facts, ReturnPolicy(), DELIVERED + timedelta(days=3), NODES)
    [mug] = options.lines
    assert (mug.sku, mug.units, mug.until) == ("MUG", 1, DELIVERED + timedelta(days=30))
    assert options.by_post and options.stores == ("ST-A", "ST-B")


def test_nothing_is_returnable_before_delivery_or_after_the_channels_window():
    policy = ReturnPolicy(window_days_by_channel={Channel.STORE: 14})
    waiting = OrderFacts("O-2", Channel.WEB, (line("MUG", 0),))
    assert return_options(waiting, policy, DELIVERED, NODES).lines == ()
    in_store = OrderFacts("O-3", Channel.STORE, (line("MUG", 2),))
    later = DELIVERED + timedelta(days=15)
    options = return_options(in_store, policy, later, NODES)
    assert options.lines == () and options.window_days == 14
