"""Settings from the environment (prefix ``OMS_``), read once per process.

``OMS_DATABASE_URL`` picks the database: the SQLite file is the embedded default, PostgreSQL is
``postgresql+psycopg://user@host/db`` (``postgresql://`` is accepted and means psycopg 3).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from oms.notifications.smtp import parse_smtp_url

DEFAULT_DATABASE_URL = "sqlite:///./var/oms.db"
SOURCING_POLICIES = ("online", "lookahead")


class Settings(BaseSettings):
    # extra="ignore": other OMS_* variables belong to other parts of the service.
    # hide_input_in_errors: a refused OMS_SMTP_URL must not print its password.
    model_config = SettingsConfigDict(env_prefix="OMS_", extra="ignore", hide_input_in_errors=True)

    database_url: str = DEFAULT_DATABASE_URL
    # Threads that run reservation and order transactions. A few keep the database busy; more
    # only queue for the interpreter lock while holding row locks, which slows everyone.
    write_threads: int = Field(default=2, ge=1, le=64)
    # Workers started by `oms serve --workers N` leave migrating to the parent.
    migrate_on_start: bool = True
    # Store page cookies: "auto" marks them Secure unless the page is served over plain HTTP to
    # a loopback client (development); "always" / "never" decide it outright.
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # How long a store page session lasts after login.
    store_session_minutes: int = Field(default=12 * 60, ge=1, le=7 * 24 * 60)
    # Failed authentications a client address may make in a minute before it gets 429s.
    auth_failures_per_minute: int = Field(default=30, ge=1, le=100_000)
    # Request logs: one JSON object per line, or plain text for a terminal.
    log_format: Literal["json", "text"] = "json"
    # Largest request body any route reads (413 past it).
    max_body_bytes: int = Field(default=1_000_000, ge=1_024, le=100_000_000)
    # The webhook dispatcher runs in every serving process unless this is off (OMS_DISPATCHER=off
    # or `oms serve --no-dispatcher`: then run `oms worker` somewhere).
    dispatcher: bool = True
    # Webhook URLs whose host is loopback, private or link-local are refused unless this is on.
    webhooks_allow_private: bool = False
    # A webhook attempt succeeds on a 2xx within this many seconds (connect, send, answer).
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=60)
    # Webhook attempts under way at once per dispatcher (at most half of them per endpoint).
    webhook_threads: int = Field(default=8, ge=1, le=64)
    # Largest stock sync body (POST /v1/inventory/sync): ~30 bytes a CSV row, so the default
    # takes about 8 million rows.
    max_sync_bytes: int = Field(default=256_000_000, ge=1_024, le=4_000_000_000)
    # The customer tracking page (/track): failed lookups a client address may make within the
    # window before it gets 429s (counted per serving process).
    track_failures: int = Field(default=5, ge=1, le=10_000)
    track_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Customer notifications (oms.notifications): the SMTP server that sends them,
    # smtp://user:password@host:port, smtps://... (implicit TLS) or smtp+starttls://...; unset,
    # nothing is sent (they stay pending, and are still published as outbox events).
    smtp_url: str | None = None
    smtp_from: str = "OMS <no-reply@oms.invalid>"
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # The language of a customer with none on the order or their account: en or fr.
    default_locale: Literal["en", "fr"] = "en"
    # A ready pickup's customer is reminded this many hours before its hold ends.
    pickup_reminder_hours: float = Field(default=24.0, ge=0, le=24 * 30)
    # A directory of templates that win over the packaged ones, file by file
    # (<locale>/<kind>.subject.txt, .txt, .html).
    notification_templates: str | None = None
    # Store stock counts (oms.stores.counts_model): a counted line whose variance is more than
    # this many units, or (when set) more than this percent of the units expected, waits for an
    # ops approval; a count with every line within is applied at once.
    count_variance_units: int = Field(default=2, ge=0, le=1_000_000)
    count_variance_percent: float | None = Field(default=None, ge=0, le=100_000)
    # The sourcing policy of the live service (promise, reservations, orders): "online" decides
    # each order at its cheapest; "lookahead" adds to each unit's cost its opportunity cost
    # from forecast demand (oms/promise/lookahead_prices.py), re-priced off the request path
    # every lookahead_refresh_s seconds from the same weekday's orders of the last
    # lookahead_weeks weeks.
    sourcing_policy: Literal["online", "lookahead"] = "online"
    lookahead_weeks: int = Field(default=4, ge=1, le=52)
    lookahead_refresh_s: float = Field(default=600.0, ge=1, le=24 * 3600)
    # Re-optimisation of open orders in the background (POST /v1/sourcing/reoptimise's run,
    # one at a time across workers by a database lease): every N minutes, 0 = off.
    reoptimise_every_minutes: float = Field(default=0.0, ge=0, le=7 * 24 * 60)
    reoptimise_time_limit_s: float = Field(default=10.0, ge=0.1, le=300)

    @field_validator("sourcing_policy", mode="before")
    @classmethod
    def _known_policy(cls, policy: object) -> object:
        # Refused at start with the variable's name: a typo must not serve another policy.
        if policy not in SOURCING_POLICIES:
            known = " or ".join(SOURCING_POLICIES)
            raise ValueError(f"OMS_SOURCING_POLICY must be {known}, not {policy!r}")
        return policy

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_usable(cls, url: str | None) -> str | None:
        # Refused at start, not in the dispatcher's thread (where webhooks would stop too).
        if url:
            parse_smtp_url(url)
        return url or None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return Settings()
