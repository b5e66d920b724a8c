"""When a failed delivery is tried again, when it is given up, and when an endpoint is disabled.

The schedule (Standard Webhooks / Svix): attempt 1 at once, then after a failure the next one
5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later, each delay with +/-15 % jitter (so that the
deliveries that failed together are not all tried again in the same instant). That is 8
attempts over about 27 h 35 min. A 2xx answer within the timeout is success; any other status
(3xx included: redirects are not followed), a timeout or a connection error is a failure. After
the 8th failure the delivery is ``failed``; ``POST .../deliveries/{id}/retry`` makes it pending
again for one more attempt.

An endpoint is disabled (``disabled_reason`` says why) when a delivery to it is given up and it
has answered no attempt with a 2xx for ``DISABLE_AFTER`` (5 days). ``PATCH`` with
``"status": "active"`` enables it again.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.15
DISABLE_AFTER = timedelta(days=5)

Jitter = Callable[[], float]  # a number in [-1, 1]


def random_jitter() -> float:
    return random.uniform(-1.0, 1.0)


def retry_delay(failed_attempts: int, jitter: Jitter = random_jitter) -> timedelta:
    """The wait after the ``failed_attempts``-th failure (1-based) before the next attempt."""
    base = RETRY_DELAYS[min(failed_attempts, len(RETRY_DELAYS)) - 1]
    return base * (1.0 + JITTER * max(-1.0, min(1.0, jitter())))


def next_attempt_at(
    failed_attempts: int, max_attempts: int, now: datetime, jitter: Jitter = random_jitter
) -> datetime | None:
    """When to try again after a failure, or None when that was the last attempt."""
    if failed_attempts >= max_attempts:
        return None
    return now + retry_delay(failed_attempts, jitter)


def should_disable(failing_since: datetime | None, now: datetime) -> bool:
    """Whether an endpoint that just had a delivery given up is to be disabled."""
    return failing_since is not None and now - failing_since >= DISABLE_AFTER


def disabled_reason(failing_since: datetime) -> str:
    since = failing_since.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f"every attempt has failed since {since} and a delivery was given up"
