"""Replay is analysts' code over the domain and the sourcing engine: no web or database layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_architecture import imported_roots

REPLAY = Path(__file__).resolve().parents[2] / "oms" / "replay"
SERVICE_LAYERS = {"sqlalchemy", "fastapi", "alembic", "uvicorn", "pydantic", "typer", "starlette"}


@pytest.mark.parametrize("path", sorted(REPLAY.glob("*.py")), ids=lambda p: p.name)
def test_replay_modules_import_no_web_or_database_framework(path):
    assert imported_roots(path) & SERVICE_LAYERS == set()


def test_importing_replay_loads_no_web_or_database_framework_even_indirectly():
    code = (
        "import sys, oms.replay, oms.replay.builder; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *SERVICE_LAYERS], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
