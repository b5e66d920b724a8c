"""API keys on the request path: who sent this X-API-Key, fast, and throttled when wrong.

The keys' lifecycle (create, list, revoke) and what makes a key valid are the access service's
(``oms/access/keys.py``); this module keeps what serving requests needs. On the request path
(``KeyCache``, one per worker process):

- A key seen valid is re-validated at most every ``RECHECK_S`` (1 s), so a key revoked on any
  worker, or by ``oms keys revoke``, is refused by every worker within a second; its expiry is
  checked at each use, so an expired key is refused at once even if cached.
- A refused key (unknown, revoked, expired) is remembered by its hash for a second: a client that
  repeats it costs no query.
- Failed authentications (missing, unknown, revoked or expired key) are counted per client
  address (an IPv6 address by its /64). Past ``auth_failures_per_minute`` failures within a
  sliding minute, the address's requests with a missing or wrong key are answered 429 with
  ``Retry-After``, without a query and without counting. Keys this worker has seen valid are
  still served from a throttled address, so good clients behind a shared NAT keep working.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from time import monotonic
from typing import Any, NoReturn

from oms.access import keys
from oms.access.keys import MAX_EXPIRY_DAYS, KeyStatus, hash_key
from oms.access.ports import KeyReads
from oms.access.principal import Principal
from oms.config import get_settings
from oms.domain.errors import OmsError, UnauthorizedError
from oms.domain.events import utcnow

# Where they were before the access service took them: the API's modules import them here.
__all__ = [
    "MAX_EXPIRY_DAYS",
    "FailureThrottle",
    "KeyCache",
    "KeyStatus",
    "Principal",
    "RateLimitedError",
    "address_of",
    "hash_key",
]

RECHECK_S = 1.0  # a cached key is re-validated after this long: revocation reaches every worker
REJECTED_S = 1.0  # a refused key's hash is answered from memory for this long
FAILURE_WINDOW_S = 60.0  # the sliding window failed authentications are counted over
MAX_ADDRESSES = 10_000  # client addresses whose failures are tracked (least recent dropped)
MAX_FAILURE_TIMES = 1_000_000  # bound on the failure times kept, whatever the limit is set to
MAX_KNOWN_KEYS = 10_000  # keys seen valid
MAX_REJECTED_KEYS = 4_096  # keys seen refused within REJECTED_S


class RateLimitedError(OmsError):
    """Too many failed authentications from one client address (429 with Retry-After)."""

    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            "too many failed authentications from this address: "
            f"retry in {retry_after_s} s with a valid X-API-Key"
        )
        self.retry_after_s = retry_after_s
        self.headers = {"Retry-After": str(retry_after_s)}  # sent by oms/api/errors.py

    def extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after_s}


def address_of(host: str | None) -> str | None:
    """The throttle's bucket for a client address: an IPv6 address by its /64 (one subscriber's
    network), an IPv4 address (or an IPv4-mapped IPv6 one) by itself; None when unknown."""
    if not host:
        return None
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]  # not an IP (a test client, a Unix socket): taken as it is
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class FailureThrottle:
    """Failed authentications per client address over a sliding window, bounded in memory.

    An address keeps the times of its last ``limit`` failures: it is throttled while the oldest
    of them is within the window. Requests refused while throttled are not counted, so that an
    address regains one attempt as each failure leaves the window."""

    def __init__(
        self,
        limit: int,
        window_s: float = FAILURE_WINDOW_S,
        max_addresses: int = MAX_ADDRESSES,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        # limit * addresses times at most: a large limit tracks fewer addresses.
        self.max_addresses = max(1, min(max_addresses, MAX_FAILURE_TIMES // limit))
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, address: str, now: float) -> float:
        """Seconds until the address may try again; 0 when it is not throttled."""
        times = self._failures.get(address)
        if times is None or len(times) < self.limit:
            return 0.0
        wait = times[0] + self.window_s - now  # a deque never shrinks: times[0] exists
        return wait if wait > 0 else 0.0

    def failed(self, address: str, now: float) -> None:
        with self._lock:
            times = self._failures.pop(address, None)
            if times is None:
                times = deque(maxlen=self.limit)
                while len(self._failures) >= self.max_addresses:
                    self._failures.popitem(last=False)  # the least recently failing
            times.append(now)
            self._failures[address] = times

    def tracked(self) -> int:
        """How many addresses are tracked."""
        return len(self._failures)


@dataclass(frozen=True, slots=True)
class _Known:
    recheck_at: float  # monotonic time after which the key is read again
    expires_at: float  # monotonic time of the key's expiry (inf: none)
    expiry: datetime | None
    who: Principal


# Opens a read-only unit of work (the composition root gives one over the reader sessions).
KeyReader = Callable[[], AbstractContextManager[KeyReads]]


class KeyCache:
    """Principals of keys seen lately, refused keys, and failures per client address.

    A known key costs no query for ``ttl_s`` seconds (revocation reaches every worker within
    that time); its expiry is checked at each use. ``clock`` (monotonic seconds) and ``wall``
    (aware UTC now) may be injected by tests."""

    def __init__(
        self,
        ttl_s: float = RECHECK_S,
        *,
        failures_per_minute: int | None = None,
        rejected_s: float = REJECTED_S,
        clock: Callable[[], float] = monotonic,
        wall: Callable[[], datetime] = utcnow,
        max_keys: int = MAX_KNOWN_KEYS,
        max_rejected: int = MAX_REJECTED_KEYS,
    ) -> None:
        self.ttl_s = ttl_s
        self.rejected_s = rejected_s
        self._clock = clock
        self._wall = wall
        self._max_keys = max_keys
        self._max_rejected = max_rejected
        limit = failures_per_minute or get_settings().auth_failures_per_minute
        self.throttle = FailureThrottle(limit)
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._rejected: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def principal(self, raw: str | None, reads: KeyReader, client: str | None = None) -> Principal:
        """The key's principal; ``reads`` opens a read-only unit of work when the key must be
        looked up. ``client`` is the client's address (``request.client.host``); without it,
        failures are not throttled."""
        now = self._clock()
        digest = hash_key(raw) if raw else None
        hit = self._known.get(digest) if digest is not None else None
        if hit is not None and now < hit.recheck_at and now < hit.expires_at:
            return hit.who
        address = address_of(client)
        if address is not None:
            wait = self.throttle.retry_after(address, now)
            # Only a key this worker has seen valid (and not expired) is read while throttled.
            if wait > 0 and (hit is None or now >= hit.expires_at):
                raise RateLimitedError(max(1, math.ceil(wait)))
        try:
            return self._validate(raw, digest, hit, reads, now)
        except UnauthorizedError:
            if address is not None:
                self.throttle.failed(address, now)
            raise

    def _validate(
        self,
        raw: str | None,
        digest: str | None,
        hit: _Known | None,
        reads: KeyReader,
        now: float,
    ) -> Principal:
        if not raw or digest is None:
            raise UnauthorizedError("missing X-API-Key header")
        if hit is not None and now >= hit.expires_at:
            self._refuse(digest, now, keys.expired_message(hit.expiry))
        seen = self._rejected.get(digest)
        if seen is not None and now < seen[0]:
            raise UnauthorizedError(seen[1])
        wall = self._wall()
        try:
            with reads() as uow:
                who, expiry = keys.lookup(uow, digest, wall)
        except UnauthorizedError as exc:
            self._refuse(digest, now, exc.detail)
        left = math.inf if expiry is None else (expiry - wall).total_seconds()
        with self._lock:
            self._known.pop(digest, None)
            while len(self._known) >= self._max_keys:
                self._known.popitem(last=False)
            self._known[digest] = _Known(now + self.ttl_s, now + left, expiry, who)
        return who

    def _refuse(self, digest: str, now: float, detail: str) -> NoReturn:
        """Forget the key, remember it refused for ``rejected_s``, and refuse it."""
        with self._lock:
            self._known.pop(digest, None)
            self._rejected.pop(digest, None)
            while len(self._rejected) >= self._max_rejected:
                self._rejected.popitem(last=False)
            self._rejected[digest] = (now + self.rejected_s, detail)
        raise UnauthorizedError(detail) from None

    def forget(self, key_hash: str) -> None:
        """Drop a key from the cache (this worker revoked it: refuse it at once here)."""
        with self._lock:
            self._known.pop(key_hash, None)
