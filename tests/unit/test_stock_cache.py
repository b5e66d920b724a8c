"""The promise's stock cache: hits cost no read, drops are honoured, a read that raced a drop
is not kept."""

from __future__ import annotations

import numpy as np

from oms.promise.stock_cache import StockCache
from oms.sourcing.network import Network, NodeInfo

NODES = [
    NodeInfo(f"N{k}", "warehouse", 45.0 + k, 4.0, True, False, None, 0.3, 4.5, 0.006)
    for k in range(2)
]


class Ledger:
    """A fake stock source counting its reads."""

    def __init__(self) -> None:
        self.atp = {"A": [1, 2], "B": [3, 4]}
        self.reads: list[list[str]] = []

    def read(self, network: Network, skus: list[str]) -> np.ndarray:
        self.reads.append(list(skus))
        return np.array([self.atp[s] for s in skus], dtype=np.int64)


def test_a_second_promise_for_the_same_skus_reads_nothing() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    first = cache.atp(net, ["A", "B"], ledger.read)
    again = cache.atp(net, ["B", "A"], ledger.read)
    assert first.tolist() == [[1, 2], [3, 4]] and again.tolist() == [[3, 4], [1, 2]]
    assert ledger.reads == [["A", "B"]]


def test_a_dropped_sku_is_read_again_and_only_it() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    cache.atp(net, ["A", "B"], ledger.read)
    ledger.atp["A"] = [0, 0]
    cache.drop({"A"})
    assert cache.atp(net, ["A", "B"], ledger.read).tolist() == [[0, 0], [3, 4]]
    assert ledger.reads[-1] == ["A"]


def test_a_read_that_started_before_a_drop_is_used_once_but_not_kept() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)

    def racing_read(network: Network, skus: list[str]) -> np.ndarray:
        old = ledger.read(network, skus)
        ledger.atp["A"] = [9, 9]
        cache.drop({"A"})  # a commit lands while the old values are on their way
        return old

    assert cache.atp(net, ["A"], racing_read).tolist() == [[1, 2]]
    assert cache.atp(net, ["A"], ledger.read).tolist() == [[9, 9]]


def test_entries_expire_after_their_time_to_live() -> None:
    cache, ledger, net = StockCache(ttl_s=0.0), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    cache.atp(net, ["A"], ledger.read)
    assert len(ledger.reads) == 2


def test_a_rebuilt_network_does_not_reuse_rows_of_the_old_one() -> None:
    cache, ledger = StockCache(ttl_s=60), Ledger()
    cache.atp(Network(NODES), ["A"], ledger.read)
    cache.atp(Network(NODES), ["A"], ledger.read)
    assert len(ledger.reads) == 2


def test_dropping_everything_forgets_every_sku() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    cache.atp(net, ["A", "B"], ledger.read)
    cache.drop()
    cache.atp(net, ["A", "B"], ledger.read)
    assert len(ledger.reads) == 2


def test_a_read_also_refreshes_kept_skus_near_the_end_of_their_life(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr("oms.promise.stock_cache.monotonic", lambda: clock[0])
    cache, ledger, net = StockCache(ttl_s=10), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    clock[0] = 6.0  # A has 4 s left: due for refresh along with the next read
    ledger.atp["A"] = [7, 7]
    assert cache.atp(net, ["B"], ledger.read).tolist() == [[3, 4]]
    assert ledger.reads[-1] == ["B", "A"]
    clock[0] = 12.0  # past A's first expiry, within its refreshed life
    assert cache.atp(net, ["A", "B"], ledger.read).tolist() == [[7, 7], [3, 4]]
    assert len(ledger.reads) == 2


def test_kept_skus_with_most_of_their_life_left_are_not_read_again(monkeypatch) -> None:
    clock = [0.0]
    monkeypatch.setattr("oms.promise.stock_cache.monotonic", lambda: clock[0])
    cache, ledger, net = StockCache(ttl_s=10), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    clock[0] = 2.0
    cache.atp(net, ["B"], ledger.read)
    assert ledger.reads == [["A"], ["B"]]
