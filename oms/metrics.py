"""The service's Prometheus metrics, in one neutral module every layer may import (it imports
only prometheus_client and os). GET /metrics exposes them (oms/api/observability.py).

Hot paths use the label children bound here, never ``.labels(...)`` per call: an increment is a
lock and an add (a lock and an mmap write in multiprocess mode), about a microsecond.

Under ``oms serve --workers N`` the environment variable PROMETHEUS_MULTIPROC_DIR is set before
the workers start (``observability.prepare_multiprocess_metrics``): prometheus_client then keeps
every value in a per-process file there, and /metrics adds them up across the workers.
"""

from __future__ import annotations

import os

from prometheus_client import Counter, Histogram

# In multiprocess mode each metric opens its file as it is made (below): the directory must exist.
if _multiproc_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_multiproc_dir, exist_ok=True)

# Seconds. A warm promise costs ~150 us and a reservation a few ms: the defaults (from 5 ms)
# would put most requests in the first bucket.
REQUEST_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
# One order through the online kernel: tens of microseconds.
SOURCING_BUCKETS = (
    0.00001,
    0.000025,
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.1,
)

HTTP_REQUEST_SECONDS = Histogram(
    "oms_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by route template.",
    ["route", "method", "status"],
    buckets=REQUEST_BUCKETS,
)

SOURCING_DECISIONS = Counter(
    "oms_sourcing_decisions_total",
    "Orders decided by the online sourcer (OnlineSourcer.source_order), by whether every "
    "unit found a node.",
    ["outcome"],
)
SOURCING_COMPLETE = SOURCING_DECISIONS.labels(outcome="complete")
SOURCING_SHORT = SOURCING_DECISIONS.labels(outcome="short")
SOURCING_SECONDS = Histogram(
    "oms_sourcing_decision_duration_seconds",
    "Time of one online sourcing decision (OnlineSourcer.source_order).",
    buckets=SOURCING_BUCKETS,
)

STOCK_CACHE_LOOKUPS = Counter(
    "oms_stock_cache_lookups_total",
    "SKUs looked up in the kept ATP rows (oms/promise/stock_cache.py): hit, or miss (read).",
    ["result"],
)
STOCK_CACHE_HITS = STOCK_CACHE_LOOKUPS.labels(result="hit")
STOCK_CACHE_MISSES = STOCK_CACHE_LOOKUPS.labels(result="miss")

RESERVATION_CONFLICTS = Counter(
    "oms_reservation_conflicts_total",
    "Reservations that lost a race: a hold refused because another checkout took the units "
    "first (stock_race, then re-sourced), or a concurrent request with the same "
    "Idempotency-Key (idempotency).",
    ["reason"],
)
RESERVATION_STOCK_RACES = RESERVATION_CONFLICTS.labels(reason="stock_race")
RESERVATION_IDEMPOTENCY_RACES = RESERVATION_CONFLICTS.labels(reason="idempotency")

LOOKAHEAD_REFRESH_SECONDS = Histogram(
    "oms_lookahead_refresh_duration_seconds",
    "Time of one refresh of the look-ahead policy's prices (forecast, history read, LP), off "
    "the request path (oms/promise/lookahead_refresh.py).",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
