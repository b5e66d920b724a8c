"""The promise's stock cache: hits cost no read, commits write through by row version, a read
that raced a commit is not kept over it."""

from __future__ import annotations

import numpy as np
import pytest

from oms.promise.stock_cache import StockCache
from oms.sourcing.network import Network, NodeInfo

NODES = [
    NodeInfo(f"N{k}", "warehouse", 45.0 + k, 4.0, True, False, None, 0.3, 4.5, 0.006)
    for k in range(2)
]


class Ledger:
    """A fake stock source counting its reads; every row starts at version 1."""

    def __init__(self) -> None:
        self.atp = {"A": [1, 2], "B": [3, 4]}
        self.version = {"A": [1, 1], "B": [1, 1]}
        self.reads: list[list[str]] = []

    def read(self, network: Network, skus: list[str]) -> tuple[np.ndarray, np.ndarray]:
        self.reads.append(list(skus))
        atp = np.array([self.atp[s] for s in skus], dtype=np.int64)
        return atp, np.array([self.version[s] for s in skus], dtype=np.int64)

    def commit(self, node: int, sku: str, atp: int) -> dict[tuple[str, str], tuple[int, int]]:
        """Change one row as a transaction would; what its commit tells the cache."""
        self.atp[sku][node] = atp
        self.version[sku][node] += 1
        return {(f"N{node}", sku): (atp, self.version[sku][node])}


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The cache's clock, set by the test."""
    now = [0.0]
    monkeypatch.setattr("oms.promise.stock_cache.monotonic", lambda: now[0])
    return now


def racing(cache: StockCache, ledger: Ledger, node: int = 0, atp: int = 9):  # type: ignore[no-untyped-def]
    """A read during which a commit of A lands (its old values are on their way)."""

    def read(network: Network, skus: list[str]) -> tuple[np.ndarray, np.ndarray]:
        old = ledger.read(network, skus)
        cache.apply(ledger.commit(node, "A", atp))
        return old

    return read


def test_a_second_promise_for_the_same_skus_reads_nothing() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    first = cache.atp(net, ["A", "B"], ledger.read)
    again = cache.atp(net, ["B", "A"], ledger.read)
    assert first.tolist() == [[1, 2], [3, 4]] and again.tolist() == [[3, 4], [1, 2]]
    assert ledger.reads == [["A", "B"]]


def test_a_commit_writes_through_to_a_kept_sku_without_a_read() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    cache.atp(net, ["A", "B"], ledger.read)
    cache.apply(ledger.commit(0, "A", 0))
    assert cache.atp(net, ["A", "B"], ledger.read).tolist() == [[0, 2], [3, 4]]
    assert ledger.reads == [["A", "B"]]


def test_commits_heard_out_of_order_leave_the_newest_row() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    first, second = ledger.commit(1, "A", 5), ledger.commit(1, "A", 4)
    cache.apply(second)
    cache.apply(first)  # its listener ran late: older version, ignored
    assert cache.atp(net, ["A"], ledger.read).tolist() == [[1, 4]]


def test_a_read_that_raced_a_commit_is_merged_by_version(clock) -> None:
    cache, ledger, net = StockCache(ttl_s=10), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    clock[0] = 100.0  # expired: the next call reads
    racing_read = racing(cache, ledger)

    assert cache.atp(net, ["A"], racing_read).tolist() == [[1, 2]]  # used once, as read
    assert cache.atp(net, ["A"], ledger.read).tolist() == [[9, 2]]  # kept: the commit's row
    assert len(ledger.reads) == 2


def test_a_read_that_raced_a_commit_of_a_sku_not_kept_is_used_once_but_not_kept() -> None:
    cache, ledger, net = StockCache(ttl_s=60), Ledger(), Network(NODES)
    racing_read = racing(cache, ledger)

    assert cache.atp(net, ["A"], racing_read).tolist() == [[1, 2]]
    assert cache.atp(net, ["A"], ledger.read).tolist() == [[9, 2]]


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


def test_a_read_also_refreshes_kept_skus_near_the_end_of_their_life(clock) -> None:
    cache, ledger, net = StockCache(ttl_s=10), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    clock[0] = 6.0  # A has 4 s left: due for refresh along with the next read
    ledger.atp["A"] = [7, 7]
    assert cache.atp(net, ["B"], ledger.read).tolist() == [[3, 4]]
    assert ledger.reads[-1] == ["B", "A"]
    clock[0] = 12.0  # past A's first expiry, within its refreshed life
    assert cache.atp(net, ["A", "B"], ledger.read).tolist() == [[7, 7], [3, 4]]
    assert len(ledger.reads) == 2


def test_kept_skus_with_most_of_their_life_left_are_not_read_again(clock) -> None:
    cache, ledger, net = StockCache(ttl_s=10), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    clock[0] = 2.0
    cache.atp(net, ["B"], ledger.read)
    assert ledger.reads == [["A"], ["B"]]


def test_skus_no_checkout_asked_for_lately_are_left_to_expire(clock) -> None:
    cache, ledger, net = StockCache(ttl_s=10), Ledger(), Network(NODES)
    cache.atp(net, ["A"], ledger.read)
    clock[0] = 10.5  # A expired a moment ago and nobody asked for it in its life
    cache.atp(net, ["B"], ledger.read)
    assert ledger.reads == [["A"], ["B"]]
