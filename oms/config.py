"""Settings from the environment (prefix ``OMS_``), read once per process.

``OMS_DATABASE_URL`` picks the database: the SQLite file is the embedded default, PostgreSQL is
``postgresql+psycopg://user@host/db`` (``postgresql://`` is accepted and means psycopg 3).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/oms.db"


class Settings(BaseSettings):
    # extra="ignore": other OMS_* variables belong to other parts of the service.
    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Threads that run reservation and order transactions. A few keep the database busy; more
    # only queue for the interpreter lock while holding row locks, which slows everyone.
    write_threads: int = Field(default=2, ge=1, le=64)
    # Workers started by `oms serve --workers N` leave migrating to the parent.
    migrate_on_start: bool = True


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
