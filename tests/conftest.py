"""Test-wide settings: numba's cache in ./var, hypothesis without per-example deadlines
(kernels compile on first call; tests assert behaviour, never wall-clock time)."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / "var" / "numba-cache")
)

from hypothesis import HealthCheck, settings

settings.register_profile(
    "oms", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
    derandomize=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "oms")
