"""The composition root: settings -> engine and session factories -> caches -> message bus ->
the application's state -> the FastAPI app. Everything that serves (``oms serve``, uvicorn's
factory, the tests) is wired here, once."""

from __future__ import annotations

from anyio import CapacityLimiter
from fastapi import FastAPI

from oms.api.app import create_app
from oms.api.state import AppState
from oms.config import Settings, get_settings
from oms.db import commit_hooks
from oms.db.engine import make_engine, make_session_factory, migrate, read_only
from oms.handlers import message_bus
from oms.promise.service import NetworkCache


def open_state(
    database_url: str | None = None,
    *,
    run_migrations: bool = True,
    write_threads: int | None = None,
    settings: Settings | None = None,
) -> AppState:
    """What a serving process holds: the database (migrated first unless told not to), a
    writer and a reader session factory, the network cache (told of every commit that changes
    stock or nodes) and the message bus of every registered handler."""
    settings = settings or get_settings()
    url = database_url or settings.database_url
    if run_migrations:
        migrate(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    networks = NetworkCache(policy=settings.sourcing_policy)
    commit_hooks.on_commit(sessions, networks.changed)
    return AppState(
        engine,
        sessions,
        # Reads (promise) skip SQLite's write lock, so they never queue behind reservations.
        make_session_factory(read_only(engine)),
        message_bus(networks, settings.default_locale),
        networks=networks,
        writers=CapacityLimiter(write_threads or settings.write_threads),
    )


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory oms.bootstrap:app_from_env``: the database OMS_DATABASE_URL
    names, migrated unless OMS_MIGRATE_ON_START is false (``oms serve --workers N``)."""
    settings = get_settings()
    return create_app(open_state(run_migrations=settings.migrate_on_start, settings=settings))
