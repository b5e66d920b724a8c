"""Benchmarks share the tests' settings (numba cache under ./var) and data generators."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / "var" / "numba-cache")
)

# Targets are asserted only when asked: CI machines are shared and timing is noisy there.
STRICT = os.environ.get("OMS_BENCH_STRICT") == "1"

# The PostgreSQL cluster the integration tests start, for the reservation load benchmark.
from tests.integration.conftest import pg_cluster, pg_url  # noqa: E402, F401
