"""Alembic environment: upgrades run in one transaction, through the engines of oms.db.engine.

The URL comes from ``migrate(url)`` (config attribute), else ``sqlalchemy.url`` in an ini file,
else ``OMS_DATABASE_URL``.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import URL, Connection

from oms.config import get_settings
from oms.db.engine import make_engine, normalize_url
from oms.db.tables import metadata

# Any constant will do: it only has to be the same for every OMS process.
MIGRATION_LOCK_ID = 0x0A1E_0B1C


def _url() -> URL:
    cfg = context.config
    given = cfg.attributes.get("url") or cfg.get_main_option("sqlalchemy.url")
    return normalize_url(given or get_settings().database_url)


def _run(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        _upgrade(connection)
        return
    # SQLite alters a table by copying it and dropping the old one, which its foreign keys
    # refuse while other tables point at it: switch them off for the upgrade (only possible
    # outside a transaction), then check every reference before switching them back on.
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        _upgrade(connection)
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration left broken references: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _upgrade(connection: Connection) -> None:
    # One outer transaction for the whole upgrade: a failed migration leaves nothing half done
    # (SQLite's DDL is transactional too once pysqlite stops committing on its own).
    with connection.begin():
        if connection.dialect.name == "postgresql":
            # Two services starting together: the second waits, then finds the schema current.
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
            compare_type=True,
        )
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = make_engine(_url(), pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.config.config_file_name is not None:
    # The alembic command line with alembic.ini; migrate() leaves the host's logging alone.
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)
if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
