"""Settings from the environment (prefix ``OMS_``), read once per process.

``OMS_DATABASE_URL`` picks the database: the SQLite file is the embedded default, PostgreSQL is
``postgresql+psycopg://user@host/db`` (``postgresql://`` is accepted and means psycopg 3).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/oms.db"


class Settings(BaseSettings):
    # extra="ignore": other OMS_* variables belong to other parts of the service.
    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
