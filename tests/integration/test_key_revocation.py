"""Revoked and expired keys are refused within a second by every worker process, refused keys cost
no query, and failed authentications are throttled per client address (KeyCache, real databases;
a fake monotonic clock instead of sleeping, but for one test in real time)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import issue_key, revoke_key
from oms.access.model import ApiKey
from oms.api.app import create_app
from oms.api.auth import (
    MAX_FAILURE_TIMES,
    FailureThrottle,
    KeyCache,
    RateLimitedError,
    address_of,
)
from oms.api.state import AppState
from oms.bootstrap import open_state
from oms.db.types import utcnow
from oms.db.uow import SqlUnitOfWork
from oms.domain.bus import NO_HANDLERS
from oms.domain.errors import UnauthorizedError


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingSessions:
    """A session factory that counts the sessions (each authentication query opens one)."""

    def __init__(self, sessions) -> None:
        self.sessions = sessions
        self.opened = 0

    def __call__(self):
        self.opened += 1
        return self.sessions()


@pytest.fixture
def workers(migrated_db_url: str) -> Iterator[tuple[AppState, AppState]]:
    """Two "workers": two AppStates (engines, caches) on the same database."""
    first = open_state(migrated_db_url)
    second = open_state(migrated_db_url, run_migrations=False)
    try:
        yield first, second
    finally:
        first.engine.dispose()
        second.engine.dispose()


def new_key(state: AppState, role: str = "checkout", **kw) -> tuple[str, ApiKey]:
    with state.unit_of_work() as uow:
        raw, key = issue_key(uow, role, **kw)
    return raw, key


def revoke(state: AppState, key_id: str) -> None:
    with state.unit_of_work() as uow:
        revoke_key(uow, key_id)


def test_a_key_revoked_through_one_worker_is_refused_by_another_within_a_second(workers):
    first, second = workers
    clock = Clock()
    second.keys = KeyCache(clock=clock)
    raw, key = new_key(first)
    assert second.authenticate(raw).key_id == key.id
    revoke(first, key.id)
    clock.advance(0.5)
    assert second.authenticate(raw).key_id == key.id  # still cached: no query for a second
    clock.advance(0.5)
    with pytest.raises(UnauthorizedError, match="revoked"):
        second.authenticate(raw)


def reads(sessions: Any) -> Any:
    """What the cache opens to look a key up: a read-only unit of work over ``sessions``."""
    return lambda: SqlUnitOfWork(sessions, NO_HANDLERS)


def test_a_known_key_costs_no_query_for_a_second_and_one_query_a_second_after(workers):
    state, _ = workers
    clock, sessions = Clock(), CountingSessions(state.readers)
    cache = KeyCache(clock=clock)
    raw, _ = new_key(state)
    for _ in range(5):
        cache.principal(raw, reads(sessions), "10.0.0.1")
        clock.advance(0.1)
    assert sessions.opened == 1
    clock.advance(0.6)
    cache.principal(raw, reads(sessions), "10.0.0.1")
    assert sessions.opened == 2


def test_an_expired_key_is_refused_at_once_even_while_cached(workers):
    state, _ = workers
    clock, sessions = Clock(), CountingSessions(state.readers)
    cache = KeyCache(ttl_s=3600.0, clock=clock)  # a long cache: the expiry alone must refuse
    raw, key = new_key(state)
    with state.unit_of_work() as uow:
        uow.session.get(ApiKey, key.id).expires_at = utcnow() + timedelta(seconds=30)
        uow.commit()
    assert cache.principal(raw, reads(sessions)).key_id == key.id
    clock.advance(29.0)
    assert cache.principal(raw, reads(sessions)).key_id == key.id
    clock.advance(1.5)
    with pytest.raises(UnauthorizedError, match="expired at"):
        cache.principal(raw, reads(sessions))
    assert sessions.opened == 1


def test_a_refused_key_costs_no_query_for_a_second(workers):
    state, _ = workers
    clock, sessions = Clock(), CountingSessions(state.readers)
    cache = KeyCache(clock=clock)
    for _ in range(3):
        with pytest.raises(UnauthorizedError, match="unknown API key"):
            cache.principal("oms_guess", reads(sessions))
    assert sessions.opened == 1
    clock.advance(1.0)
    with pytest.raises(UnauthorizedError, match="unknown API key"):
        cache.principal("oms_guess", reads(sessions))
    assert sessions.opened == 2


def test_failures_past_the_limit_from_one_address_get_429_with_retry_after_and_no_query(
    workers,
):
    state, _ = workers
    clock, sessions = Clock(), CountingSessions(state.readers)
    cache = KeyCache(failures_per_minute=3, clock=clock)
    for guess in ("oms_a", "oms_b", None):  # a missing key is a failure too
        with pytest.raises(UnauthorizedError):
            cache.principal(guess, reads(sessions), "203.0.113.7")
        clock.advance(1.0)
    queries = sessions.opened
    for guess in ("oms_c", None, "oms_a"):
        with pytest.raises(RateLimitedError) as limited:
            cache.principal(guess, reads(sessions), "203.0.113.7")
        assert limited.value.code == "rate_limited"
        assert limited.value.headers == {"Retry-After": "57"}
    assert sessions.opened == queries
    # Another address is not concerned.
    with pytest.raises(UnauthorizedError):
        cache.principal("oms_c", reads(sessions), "203.0.113.8")


def test_the_window_slides_one_attempt_back_as_each_failure_leaves_it(workers):
    state, _ = workers
    clock = Clock()
    cache = KeyCache(failures_per_minute=3, clock=clock)
    for _ in range(3):
        with pytest.raises(UnauthorizedError):
            cache.principal("oms_wrong", reads(state.readers), "198.51.100.1")
        clock.advance(20.0)
    # Failures at 0, 20, 40; now 60: the first has left the window, one attempt is back.
    with pytest.raises(UnauthorizedError):
        cache.principal("oms_wrong", reads(state.readers), "198.51.100.1")
    with pytest.raises(RateLimitedError) as limited:
        cache.principal("oms_wrong", reads(state.readers), "198.51.100.1")
    assert limited.value.retry_after_s == 20
    # Refusals while throttled do not count: after 20 s, one attempt again.
    clock.advance(20.0)
    with pytest.raises(UnauthorizedError):
        cache.principal("oms_wrong", reads(state.readers), "198.51.100.1")


def test_a_key_this_worker_has_seen_valid_is_still_served_from_a_throttled_address(workers):
    state, _ = workers
    clock = Clock()
    cache = KeyCache(failures_per_minute=2, clock=clock)
    known, key = new_key(state)
    unseen, _ = new_key(state)
    assert cache.principal(known, reads(state.readers), "192.0.2.1").key_id == key.id
    for _ in range(2):
        with pytest.raises(UnauthorizedError):
            cache.principal("oms_wrong", reads(state.readers), "192.0.2.1")
    clock.advance(5.0)  # past the cache's second: the known key is read again, and served
    assert cache.principal(known, reads(state.readers), "192.0.2.1").key_id == key.id
    # A valid key this worker never saw is not read while the address is throttled.
    with pytest.raises(RateLimitedError):
        cache.principal(unseen, reads(state.readers), "192.0.2.1")
    # Revoked meanwhile, the known key is refused when read again (and counts no further).
    revoke(state, key.id)
    clock.advance(1.0)
    with pytest.raises(UnauthorizedError, match="revoked"):
        cache.principal(known, reads(state.readers), "192.0.2.1")
    with pytest.raises(RateLimitedError):
        cache.principal(known, reads(state.readers), "192.0.2.1")


def test_requests_without_a_client_address_are_not_throttled(workers):
    state, _ = workers
    cache = KeyCache(failures_per_minute=1, clock=Clock())
    for _ in range(3):
        with pytest.raises(UnauthorizedError):
            cache.principal("oms_wrong", reads(state.readers), None)


def test_an_ipv6_client_is_counted_by_its_64_and_an_ipv4_mapped_one_as_ipv4():
    assert address_of("2001:db8:1:2:aaaa::1") == address_of("2001:db8:1:2:bbbb::9")
    assert address_of("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_of("2001:db8:1:3::1") != address_of("2001:db8:1:2::1")
    assert address_of("::ffff:192.0.2.1") == address_of("192.0.2.1") == "192.0.2.1"
    assert address_of("testclient") == "testclient"
    assert address_of(None) is None and address_of("") is None


def test_the_throttle_tracks_a_bounded_number_of_addresses():
    throttle = FailureThrottle(limit=2, max_addresses=3)
    for i in range(10):
        throttle.failed(f"10.0.0.{i}", 0.0)
        throttle.failed(f"10.0.0.{i}", 0.0)
    assert throttle.tracked() == 3
    # The least recently failing addresses went first; the last three are throttled.
    assert throttle.retry_after("10.0.0.0", 1.0) == 0.0
    assert throttle.retry_after("10.0.0.9", 1.0) == 59.0
    # A huge limit tracks fewer addresses: the failure times kept stay bounded.
    assert FailureThrottle(limit=100_000).max_addresses * 100_000 <= MAX_FAILURE_TIMES
    assert FailureThrottle(limit=30).max_addresses == 10_000


def test_the_failure_limit_comes_from_the_settings(monkeypatch):
    from oms.config import get_settings

    monkeypatch.setenv("OMS_AUTH_FAILURES_PER_MINUTE", "7")
    get_settings.cache_clear()
    try:
        assert KeyCache().throttle.limit == 7
    finally:
        monkeypatch.delenv("OMS_AUTH_FAILURES_PER_MINUTE")
        get_settings.cache_clear()
    assert KeyCache().throttle.limit == 30


def test_two_server_workers_on_one_sqlite_file_refuse_a_revoked_key_within_1_1_s(tmp_path):
    """In real time, over HTTP: worker A revokes, worker B refuses the key within 1.1 s."""
    url = f"sqlite:///{tmp_path / 'oms.db'}"
    a, b = open_state(url), open_state(url, run_migrations=False)
    try:
        ops_raw, _ = new_key(a, "ops")
        raw, key = new_key(a)
        ops, doomed = {"X-API-Key": ops_raw}, {"X-API-Key": raw}
        # Without `with`: no lifespan, so no kernel warm-up; the routes below need none.
        worker_a, worker_b = TestClient(create_app(a)), TestClient(create_app(b))
        assert worker_b.get("/v1/keys", headers=doomed).status_code == 403  # known to B
        assert worker_a.delete(f"/v1/keys/{key.id}", headers=ops).status_code == 200
        revoked_at = time.monotonic()
        assert worker_a.get("/v1/keys", headers=doomed).status_code == 401  # A: at once
        while worker_b.get("/v1/keys", headers=doomed).status_code != 401:
            assert time.monotonic() - revoked_at < 1.1, "worker B still accepts the key"
            time.sleep(0.02)
        assert time.monotonic() - revoked_at < 1.1
    finally:
        a.engine.dispose()
        b.engine.dispose()
