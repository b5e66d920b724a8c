"""Test-wide settings: numba's cache in ./var, hypothesis without per-example deadlines
(kernels compile on first call; tests assert behaviour, never wall-clock time); the webhook
receiver fixture the webhook tests share."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault(
    "NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / "var" / "numba-cache")
)

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.smtp_server import SmtpServer
from tests.webhook_receiver import Receiver

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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on loopback that checks every signature (tests/webhook_receiver.py),
    taken down after the test."""
    r = Receiver().up()
    try:
        yield r
    finally:
        r.down()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that keeps what it receives (tests/smtp_server.py),
    taken down after the test."""
    server = SmtpServer().up()
    try:
        yield server
    finally:
        server.down()
