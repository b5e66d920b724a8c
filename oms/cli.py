"""The `oms` command. Bad input exits with code 2 and a message naming the field or record."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from oms import cli_replay
from oms.cli_common import fail as _fail
from oms.cli_scenario import scenario_app
from oms.domain.errors import OmsError
from oms.sourcing import registry
from oms.sourcing.contract import Plan, Problem
from oms.sourcing.registry import STRATEGY_NAMES, Mode, Strategy

if TYPE_CHECKING:
    from oms.db.uow import SqlUnitOfWork

app = typer.Typer(
    name="oms",
    help="Order management system: sourcing engine and tools.",
    no_args_is_help=True,
    add_completion=False,
)

PROGRESS_MIN_ORDERS = 10_000


@app.command()
def source(
    problem_path: Annotated[
        Path, typer.Argument(metavar="PROBLEM.json", help="Problem file (contract v1).")
    ],
    mode: Annotated[
        Mode | None,
        typer.Option(
            help="online: orders one by one in file order; wave: jointly. "
            "Default: the strategy's, else online."
        ),
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help=f"One of {', '.join(STRATEGY_NAMES)} (README, section Strategies). Default: "
            "online, or wave with --mode wave.",
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, help="Wave mode: seconds.")
    ] = 30.0,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Plan file (default: stdout).")
    ] = None,
) -> None:
    """Source every order of PROBLEM.json and write the plan (DESIGN.md section 3)."""
    from oms.sourcing.contract import load_problem, plan_to_dict

    try:
        chosen = _choose(strategy, mode)
        problem = load_problem(problem_path)
        plan = _run(problem, chosen, time_limit)
    except OmsError as exc:
        _fail(exc.detail)
    text = json.dumps(plan_to_dict(problem, plan), separators=(",", ":"))
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write plan to {output}: {exc.strerror}")
    typer.echo(summary_line(problem, plan), err=True)


def _choose(name: str | None, mode: Mode | None) -> Strategy:
    """`--strategy` and `--mode`: either implies the other (neither: online); both must agree."""
    if name is None:
        return registry.of_mode(mode or Mode.online)[0]
    chosen = registry.get(name)
    if mode is not None and mode is not chosen.mode:
        _fail(
            f"--strategy applies to --mode {chosen.mode} only: "
            f"{name} runs in {chosen.mode} mode, not {mode}"
        )
    return chosen


def _run(problem: Problem, strategy: Strategy, time_limit: float) -> Plan:
    if strategy.mode is Mode.wave:
        return strategy.plan(problem, time_limit=time_limit)
    with _progress(len(problem.orders)) as advance:
        return strategy.plan(problem, progress=advance)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for big files, only when a person is watching."""
    if total <= PROGRESS_MIN_ORDERS or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sourcing", total=total)
        yield lambda n: bar.advance(task, n)


def summary_line(problem: Problem, plan: Plan) -> str:
    o = problem.orders
    units = int(o.line_qty.sum())
    unfilled = int(plan.unfilled_qty.sum())
    fill = 100.0 * (units - unfilled) / units if units else 100.0
    per_order = float(plan.shipments.mean()) if len(o) else 0.0
    parts: list[str] = [
        f"orders={len(o)}",
        f"units={units}",
        f"fill_rate={fill:.2f}%",
        f"total_cost={plan.cost.total:.2f}",
        f"shipments_per_order={per_order:.3f}",
        f"elapsed={plan.elapsed_s:.3f}s",
        f"mode={plan.mode}",
        f"strategy={plan.extra.get('strategy', plan.mode)}",
        f"status={plan.status}",
    ]
    if plan.lower_bound is not None:
        gap = _gap(plan.cost.total, plan.lower_bound)
        parts.append(f"lower_bound={plan.lower_bound:.2f} gap={gap:.3%}")
    return " ".join(parts)


def _gap(cost: float, bound: float) -> float:
    return (cost - bound) / abs(cost) if cost else 0.0


# The analysts' commands live in their own module; registered here, in this order in --help.
app.command()(cli_replay.replay)
app.command()(cli_replay.sweep)


@app.command()
def demo(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the problem.")
    ] = Path("scenarios/demo-fr.json"),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same file.")] = 20261123,
) -> None:
    """Write the demo problem: real French cities, 4 DCs, 60 stores, 500 SKUs, 2,000 orders."""
    from oms.sourcing.demo import generate_demo_problem, write_problem

    problem: dict[str, Any] = generate_demo_problem(seed=seed)
    try:
        write_problem(problem, output)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror}")
    typer.echo(
        f"wrote {output}: {len(problem['nodes'])} nodes, {len(problem['orders'])} orders", err=True
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()


keys_app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(scenario_app, name="scenario")


def _database_url() -> str:
    from oms.config import get_settings

    return get_settings().database_url


@contextmanager
def _unit_of_work() -> Iterator[SqlUnitOfWork]:
    """A unit of work on the database OMS_DATABASE_URL names (migrated first); bad input
    exits 2."""
    from sqlalchemy.exc import SQLAlchemyError

    from oms.bootstrap import open_state

    try:
        state = open_state(_database_url())
    except OmsError as exc:
        _fail(exc.detail)
    except SQLAlchemyError as exc:
        _fail(f"cannot use the database OMS_DATABASE_URL names: {getattr(exc, 'orig', exc)}")
    try:
        with state.unit_of_work() as uow:
            yield uow
    except OmsError as exc:
        _fail(exc.detail)
    finally:
        state.engine.dispose()


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="checkout | ops | store")],
    node: Annotated[
        str | None, typer.Option(help="The store a store key is bound to (store keys only).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Who or what uses the key.")] = None,
    expires_in: Annotated[
        int | None,
        typer.Option(
            "--expires-in",
            metavar="DAYS",
            min=1,
            max=3650,  # MAX_EXPIRY_DAYS (oms/access/keys.py; not imported: `oms --help` is quick)
            help="The key stops working this many days from now (default: never).",
        ),
    ] = None,
) -> None:
    """Create an API key on the database OMS_DATABASE_URL names; prints it once."""
    from oms.access.keys import issue_key

    with _unit_of_work() as uow:
        raw, key = issue_key(uow, role, node, name=name, expires_in_days=expires_in)
    typer.echo(raw)
    expiry = f", expires {_when(key.expires_at)}" if key.expires_at else ""
    typer.echo(
        f"created {key.role.value} key {key.id}{expiry}: shown once, only its hash is stored",
        err=True,
    )


@keys_app.command("list")
def keys_list() -> None:
    """List the API keys, newest first, with their status (never a key or its hash)."""
    from oms.access.keys import key_status, list_keys
    from oms.domain.events import utcnow

    with _unit_of_work() as uow:
        keys = list_keys(uow)
    if not keys:
        typer.echo("no API keys: create one with `oms keys create --role ops`", err=True)
        return
    now = utcnow()
    rows: list[tuple[str, ...]] = [
        ("ID", "NAME", "ROLE", "NODE", "CREATED (UTC)", "EXPIRES (UTC)", "STATUS")
    ]
    rows += [
        (
            k.id,
            k.name or "-",
            k.role.value,
            k.node_id or "-",
            _when(k.created_at),
            _when(k.expires_at),
            key_status(k, now).value,
        )
        for k in keys
    ]
    typer.echo(_table(rows))


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id (`oms keys list`).")],
) -> None:
    """Revoke an API key: every server refuses it within a second.

    Unlike DELETE /v1/keys/{id}, this may revoke the last ops key (you are on the server, and
    `oms keys create --role ops` makes another)."""
    from oms.access.keys import active_ops_keys, find_key, revoke_key

    with _unit_of_work() as uow:
        key = find_key(uow, key_id)
        if key is None:
            _fail(f'no API key with id "{key_id}" (see `oms keys list`)')
        already = key.revoked
        key = revoke_key(uow, key_id)
        left = active_ops_keys(uow)
    if already:
        typer.echo(f"key {key_id} was already revoked at {_when(key.revoked_at)}", err=True)
    else:
        typer.echo(f"revoked {key.role.value} key {key_id}", err=True)
    if left == 0:
        typer.echo(
            "warning: no active ops key is left: create one with `oms keys create --role ops`",
            err=True,
        )


def _when(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


# After SIGTERM, requests in flight get this long to finish (Kubernetes waits 30 s by default).
GRACEFUL_SHUTDOWN_S = 20


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes. More than one suits PostgreSQL; SQLite takes one writer at "
            "a time whatever the count.",
        ),
    ] = 1,
    dispatcher: Annotated[
        bool,
        typer.Option(
            help="Run the webhook dispatcher in each server process (--no-dispatcher: run "
            "`oms worker` instead; same as OMS_DISPATCHER=off).",
        ),
    ] = True,
) -> None:
    """Migrate the database OMS_DATABASE_URL names, then serve the API (docs at /docs)."""
    import uvicorn

    from oms.api.app import create_app
    from oms.bootstrap import open_state
    from oms.config import get_settings

    if not dispatcher:
        os.environ["OMS_DISPATCHER"] = "off"  # read by this process and by its workers
        get_settings.cache_clear()
    url = _database_url()
    typer.echo(f"oms: serving {url} on http://{host}:{port} (docs at /docs)", err=True)
    if workers == 1:
        state = open_state(url)
        # On SIGTERM uvicorn answers the requests in flight and runs the lifespan's shutdown
        # (the sweeper stops), then raises the signal again to die by it (status 143). With
        # this handler in place, that last step exits 0.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        uvicorn.run(
            create_app(state),
            host=host,
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        )
        return
    from oms.api.observability import prepare_multiprocess_metrics
    from oms.db.engine import migrate

    migrate(url)  # once, here: the workers start on a migrated database
    os.environ["OMS_MIGRATE_ON_START"] = "false"
    prepare_multiprocess_metrics(workers)  # /metrics then adds up every worker's counts
    uvicorn.run(
        "oms.bootstrap:app_from_env",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )


@app.command()
def worker() -> None:
    """Run the webhook dispatcher alone (for `oms serve --no-dispatcher` deployments): it
    sequences the outbox, sends due webhooks and customer e-mails and reminds pickups until
    SIGTERM or SIGINT, then lets the sends in flight finish and exits 0. Several may run on
    PostgreSQL (each delivery and e-mail is claimed by one)."""
    import threading

    from oms.api.state import mailer
    from oms.config import get_settings
    from oms.db.engine import make_engine, make_session_factory, migrate, read_only
    from oms.db.webhook_dispatch import sql_dispatcher
    from oms.handlers import message_bus

    settings = get_settings()
    url = settings.database_url
    migrate(url)
    engine = make_engine(url, pool_size=settings.webhook_threads + 2, max_overflow=4)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    sessions, readers = make_session_factory(engine), make_session_factory(read_only(engine))
    bus = message_bus(default_locale=settings.default_locale)
    dispatcher = sql_dispatcher(
        sessions,
        readers,
        timeout_s=settings.webhook_timeout_s,
        allow_private=settings.webhooks_allow_private,
        threads=settings.webhook_threads,
        chores=[mailer(sessions, readers, bus)],
    )
    typer.echo(f"oms worker: dispatching webhooks and notifications from {url}", err=True)
    try:
        dispatcher.run(stop, drain_s=settings.webhook_timeout_s + 1)
    finally:
        engine.dispose()
    typer.echo("oms worker: stopped", err=True)


@app.command("seed-demo")
def seed_demo(
    problem: Annotated[Path, typer.Option(help="Problem file whose network to load.")] = Path(
        "scenarios/demo-fr.json"
    ),
) -> None:
    """Load the demo network into the database (once) and print a fresh key per role."""
    from oms.bootstrap import open_state
    from oms.seed import demo_keys, seed_network

    state = open_state(_database_url())
    try:
        with state.unit_of_work() as uow:
            added = seed_network(uow, problem)
            keys = demo_keys(uow)
    except (OSError, KeyError, ValueError) as exc:
        _fail(f"cannot seed from {problem}: {exc}")
    except OmsError as exc:  # a node the network could not load, say
        _fail(f"cannot seed from {problem}: {exc.detail}")
    finally:
        state.engine.dispose()
    typer.echo(f"seeded {added} nodes" if added else "network already seeded", err=True)
    for role, key in keys.items():
        typer.echo(f"{role:>22}: {key}")
