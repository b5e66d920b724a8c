"""An app on a fresh SQLite file (a copy of the migrated template), with a key per role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from oms.access.keys import create_key
from oms.api.app import create_app
from oms.api.state import AppState
from oms.bootstrap import open_state
from tests.db_templates import migrated_sqlite


@dataclass
class Api:
    client: TestClient
    state: AppState
    ops: dict[str, str]
    checkout: dict[str, str]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    state = open_state(migrated_sqlite(tmp_path / "oms.db"), run_migrations=False)
    with state.unit_of_work() as uow:
        ops, checkout = create_key(uow, "ops"), create_key(uow, "checkout")
    with TestClient(create_app(state)) as client:
        state.warm.wait(120)
        yield Api(client, state, {"X-API-Key": ops}, {"X-API-Key": checkout})
