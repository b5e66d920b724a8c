"""A migrated database in milliseconds: the schema is built once per test process into a
template, and each test gets its own copy (a file copy for SQLite). Running the migrations
costs 0.3-1 s a database on this machine, and a few hundred tests want a fresh one.

A copy is the same database ``migrate`` would have left (alembic_version included); the tests
of the migrations themselves start from an empty database and run them.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from oms.db.engine import migrate


@cache
def sqlite_template() -> Path:
    """A SQLite file migrated to head, made once per process, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="oms-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.db"
    migrate(f"sqlite:///{path}")
    # migrate() disposes of its engine; the last connection to close checkpoints the WAL.
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "copying the main file would lose data"
    return path


def migrated_sqlite(path: Path) -> str:
    """A fresh copy of the migrated template at ``path``; its URL."""
    shutil.copyfile(sqlite_template(), path)
    return f"sqlite:///{path}"
