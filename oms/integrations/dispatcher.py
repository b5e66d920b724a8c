"""The webhook dispatcher's loop: sequence the outbox (which fans events out into deliveries),
claim due deliveries, send them off the request path on a small thread pool, record each result.

Each tick claims as many due deliveries as it has free senders, and at most ``per_endpoint``
in flight per endpoint, so a slow receiver holds a few senders, never all of them. A claim is
a lease (``lease``: longer than a send's timeout) taken in a short transaction; the send runs
outside any transaction, and its result is recorded in another. A dispatcher that dies with
deliveries in flight leaves their leases to run out, and another dispatcher (or itself,
restarted) sends them again: delivery is at least once, and receivers drop duplicates by
``webhook-id``.

Other work that leaves the system after commit rides on the same tick (``chores``: the mailer
of customer notifications), each after the outbox is sequenced, its failure logged and never
in the way of the webhooks.

Time comes from ``clock`` (or ``tick(now=...)``), so tests run the retry schedule in virtual
time. The database side is ``oms.db.webhook_dispatch``; the HTTP side
``oms.integrations.webhooks_http``.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Protocol

from oms.domain.events import utcnow
from oms.integrations.webhooks_model import Claim
from oms.integrations.webhooks_ports import DeliveryStore, Sender

log = logging.getLogger("oms.webhooks")

TICK_S = 0.2
SCAN = 500  # due deliveries looked at per tick


Clock = Callable[[], datetime]


class Chore(Protocol):
    """Work done on every tick besides the webhooks (it must not block the tick for long)."""

    def tick(self, now: datetime | None = None) -> int: ...

    def close(self, drain_s: float = 30.0) -> None: ...


class Dispatcher:
    """``run(stop)`` ticks until ``stop`` is set, then lets the sends in flight finish."""

    def __init__(
        self,
        store: DeliveryStore,
        sender: Sender,
        *,
        clock: Clock = utcnow,
        threads: int = 8,
        per_endpoint: int = 4,
        lease: timedelta = timedelta(seconds=40),
        chores: Sequence[Chore] = (),
    ) -> None:
        self.store, self.sender, self.clock = store, sender, clock
        self.chores = tuple(chores)
        self.threads, self.per_endpoint, self.lease = threads, per_endpoint, lease
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="oms-webhook")
        self._lock = threading.Lock()
        self._in_flight: Counter[str] = Counter()  # endpoint -> sends under way
        self._futures: set[Future[None]] = set()

    def tick(self, now: datetime | None = None, *, wait_for_sends: bool = False) -> int:
        """Sequence, claim and start sending what is due at ``now`` (default: the clock);
        how many deliveries were claimed. ``wait_for_sends``: return once they are recorded
        (results recorded at ``now`` too: a test's virtual time)."""
        at = now or self.clock()
        self.store.sequence(at)
        self._chores(now)
        with self._lock:
            busy = Counter(self._in_flight)
        free = self.threads - sum(busy.values())
        if free <= 0:
            return 0
        due = self.store.due(at, SCAN)
        chosen = pick(due, busy, free, self.per_endpoint)
        claims = self.store.lease(chosen, at, at + self.lease) if chosen else []
        started = [self._start(claim, now) for claim in claims]
        if wait_for_sends:
            wait(started)
        return len(claims)

    def _chores(self, now: datetime | None) -> None:
        for chore in self.chores:
            try:
                chore.tick(now)
            except Exception:
                log.exception("dispatcher chore %s failed", type(chore).__name__)

    def _start(self, claim: Claim, now: datetime | None) -> Future[None]:
        with self._lock:
            self._in_flight[claim.endpoint_id] += 1
            future = self._pool.submit(self._deliver, claim, now)
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def _deliver(self, claim: Claim, now: datetime | None) -> None:
        try:
            result = self.sender.send(claim)
            self.store.record(claim, result, now or self.clock())
        except Exception:  # the lease runs out and the delivery is sent again
            log.exception("webhook delivery %s: recording its attempt failed", claim.delivery_id)
        finally:
            with self._lock:
                self._in_flight[claim.endpoint_id] -= 1
                if not self._in_flight[claim.endpoint_id]:
                    del self._in_flight[claim.endpoint_id]

    def in_flight(self) -> int:
        with self._lock:
            return sum(self._in_flight.values())

    def run(self, stop: threading.Event, every_s: float = TICK_S, drain_s: float = 30.0) -> None:
        """Tick every ``every_s`` until ``stop`` is set; then wait up to ``drain_s`` for the
        sends in flight (what does not finish is sent again once its lease runs out)."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("webhook dispatcher tick failed")
            stop.wait(every_s)
        self.close(drain_s)

    def close(self, drain_s: float = 30.0) -> None:
        with self._lock:
            pending = list(self._futures)
        wait(pending, timeout=drain_s)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for chore in self.chores:
            chore.close(drain_s)


def pick(
    due: Sequence[tuple[str, str]], busy: Mapping[str, int], free: int, per_endpoint: int
) -> list[str]:
    """Of the due deliveries ``(delivery, endpoint)``, in the order given, those to claim: at
    most ``free`` in all, and no endpoint above ``per_endpoint`` with those it has in flight."""
    taken: Counter[str] = Counter(busy)
    chosen: list[str] = []
    for delivery_id, endpoint_id in due:
        if len(chosen) == free:
            break
        if taken[endpoint_id] < per_endpoint:
            taken[endpoint_id] += 1
            chosen.append(delivery_id)
    return chosen
