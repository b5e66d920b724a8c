"""Engines for SQLite (embedded default) and PostgreSQL (psycopg 3), and the migration entry point.

SQLite: one file, WAL (readers never block the writer), and every write transaction starts with
``BEGIN IMMEDIATE``. SQLite allows one writer; a deferred transaction that reads and then writes
cannot wait for the lock (it would deadlock) and fails with "database is locked" at once, whereas
``BEGIN IMMEDIATE`` takes the write lock up front, so concurrent writers queue for up to
``busy_timeout`` instead of failing. pysqlite's own transaction handling is switched off so that
SQLAlchemy's ``begin`` decides (the recipe in SQLAlchemy's SQLite dialect documentation).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from oms.domain.errors import NotAvailableError

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 5000
# Connections per engine: 64 concurrent requests each hold one for a transaction.
POOL_SIZE = 16
MAX_OVERFLOW = 48
# Execution option: a read-only SQLite transaction starts DEFERRED and does not queue for the
# write lock (see read_only()).
READ_ONLY_OPTION = "oms_read_only"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalize_url(url: str | URL) -> URL:
    """Accept ``postgresql://`` and ``postgres://`` as psycopg 3 URLs."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(
    url: str | URL, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW
) -> Engine:
    u = normalize_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(u, pool_size, max_overflow)
    if backend == "postgresql":
        return create_engine(
            u,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_pre_ping=True,  # a restarted server costs one retry, not a failed request
            connect_args={"application_name": "oms"},
            hide_parameters=True,  # an error logged names no customer's e-mail, name or phone
        )
    raise NotAvailableError(f"unsupported database {u.drivername!r}: use sqlite or postgresql")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: services return objects after commit without another round trip.
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_only(engine: Engine) -> Engine:
    """The same engine (pool, settings) whose transactions do not take SQLite's write lock.

    Use it for reports and snapshots that never write; on PostgreSQL it changes nothing."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


def _is_memory(u: URL) -> bool:
    return u.database in (None, "", ":memory:") or "mode=memory" in str(u)


def _sqlite_engine(u: URL, pool_size: int, max_overflow: int) -> Engine:
    if _is_memory(u):
        # One connection shared by everyone, or each connection would see its own empty database.
        engine = create_engine(
            u,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
            hide_parameters=True,
        )
    else:
        assert u.database is not None
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            u, pool_size=pool_size, max_overflow=max_overflow, hide_parameters=True
        )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # pysqlite must not emit BEGIN/COMMIT behind our back
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        # With WAL, NORMAL loses at most the last commits on power loss, never consistency.
        cur.execute("PRAGMA synchronous = NORMAL")
    finally:
        cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    read = conn.get_execution_options().get(READ_ONLY_OPTION, False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def alembic_config(url: str | URL) -> Config:
    """A programmatic Alembic configuration: found beside this module, so it works from an
    installed package as well as from a checkout."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passed as an attribute, not an ini option: ini values treat "%" as interpolation.
    cfg.attributes["url"] = normalize_url(url)
    return cfg


def migrate(url: str | URL, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating the SQLite file if needed).

    Safe to call from several processes at once: SQLite serialises them on the write lock and
    PostgreSQL on an advisory lock, and the later ones find the schema up to date."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
