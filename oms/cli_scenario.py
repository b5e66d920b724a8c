"""`oms scenario export`: a live day written as a scenario analysts replay (registered on the
app in `cli.py`). The database is read, never written: no migration runs, and a SQLite file
that does not exist is refused rather than created."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from oms.cli_common import fail

if TYPE_CHECKING:
    from oms.domain.day_history import DayHistory

scenario_app = typer.Typer(
    help="Scenarios from live data: export a day to replay it.", no_args_is_help=True
)
DEFAULT_TIMEZONE = "Europe/Paris"


@scenario_app.command("export")
def export(
    day: Annotated[str, typer.Option("--date", help="The day to export, YYYY-MM-DD (local).")],
    out: Annotated[
        Path, typer.Option("--out", help="SCENARIO.json; its orders go to SCENARIO.orders.csv.")
    ],
    database: Annotated[
        str | None, typer.Option(help="Database URL (default: OMS_DATABASE_URL).")
    ] = None,
    timezone: Annotated[
        str, typer.Option(help="The network's time zone: the day is its calendar day.")
    ] = DEFAULT_TIMEZONE,
) -> None:
    """Write DATE's network, stock at the start, timed events and orders as a scenario that
    `oms replay` runs (under `online`, the live decisions of that day)."""
    the_day = _parse_date(day)
    _check_timezone(timezone)
    if out.suffix != ".json":
        fail(f"--out: must name a .json file, got {str(out)!r}")
    if not out.parent.is_dir():
        fail(f"--out: directory {str(out.parent)!r} does not exist")
    from oms.promise.service import SOURCING
    from oms.replay.export import day_bounds, export_day, write_export

    start, end = day_bounds(the_day, timezone)
    history = _read(database or _default_url(), start, end)
    if not history.nodes:
        fail("the database has no nodes: nothing to export")
    csv_name = f"{out.stem}.orders.csv"
    result = export_day(history, the_day, timezone, SOURCING, orders_csv=csv_name)
    if not result.orders:
        fail(f"no order was sourced on {the_day.isoformat()} ({timezone}): nothing to replay")
    csv_path = write_export(result, out)
    events = len(result.scenario["events"])
    typer.echo(f"wrote {out} ({result.orders} orders, {events} events) and {csv_path}")


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f'--date: must be a date "YYYY-MM-DD", got {text!r}')


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone: must be an IANA time zone such as Europe/Paris, got {name!r}")


def _default_url() -> str:
    from oms.config import get_settings

    return get_settings().database_url


def _read(url: str, start: datetime, end: datetime) -> DayHistory:
    """The day's records, in one read-only transaction; exit 2 when the URL names no OMS
    database (a SQLite file that does not exist, a server that refuses, no events table)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.orm import Session

    from oms.db.day_history import read_day_history
    from oms.db.engine import make_engine, normalize_url, read_only
    from oms.domain.errors import OmsError

    try:
        u = normalize_url(url)
        if u.get_backend_name() == "sqlite" and not Path(u.database or "").is_file():
            fail(f"--database: no SQLite database at {u.database!r}")
        engine = make_engine(u)
    except (ArgumentError, OmsError) as exc:
        fail(f"--database: {getattr(exc, 'detail', exc)}")
    try:
        if not inspect(engine).has_table("events"):
            fail("--database: not an OMS database (no events table); run the migrations")
        with Session(read_only(engine)) as session, session.begin():
            return read_day_history(session, start, end)
    except SQLAlchemyError as exc:
        fail(f"--database: cannot read it: {getattr(exc, 'orig', exc)}")
    finally:
        engine.dispose()
