"""Integration fixtures: real databases, nothing faked.

- ``sqlite_url``: a fresh SQLite file per test.
- ``pg_cluster``: one throw-away PostgreSQL cluster per session, started from the server binaries
  (/usr/lib/postgresql/*/bin, or $OMS_PG_BIN) in a directory under /tmp, on a free port. Root may
  not run initdb/pg_ctl, so as root they run as the ``postgres`` user (MACHINE-NOTES.md).
- ``pg_url``: a fresh database in that cluster per test, dropped afterwards.
- ``db_url``: both, as parameters ``sqlite`` and ``postgresql``.
- ``migrated_db_url``: ``db_url`` migrated to head, as a copy of a template migrated once per
  session (a file copy for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL): running the
  migrations costs 0.3-1 s a database. The migration tests start from ``db_url``, empty.
- ``engine`` / ``session_factory``: ``migrated_db_url``'s.

Without the PostgreSQL binaries the PostgreSQL tests are skipped with the reason, except under
CI=true, where they fail: CI must not pass by testing one backend only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql as pgsql
from sqlalchemy import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from oms.db.engine import make_engine, make_session_factory, migrate
from tests.db_templates import sqlite_template

PG_GLOB = "/usr/lib/postgresql/*/bin"
INSTALL_HINT = "install them with .ci/postgres.sh (or point OMS_PG_BIN at a bin directory)"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"PostgreSQL tests cannot run under CI=true: {reason}; {INSTALL_HINT}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}; {INSTALL_HINT}")


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name  # /usr/lib/postgresql/15/bin -> "15"
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def find_pg_bindir() -> Path | None:
    """The newest directory holding both initdb and pg_ctl, or None."""
    given = os.environ.get("OMS_PG_BIN")
    candidates = [given] if given else sorted(glob.glob(PG_GLOB), key=_version_key, reverse=True)
    on_path = shutil.which("pg_ctl")
    if not given and on_path:
        candidates.append(str(Path(on_path).parent))
    for bindir in candidates:
        if (Path(bindir) / "initdb").is_file() and (Path(bindir) / "pg_ctl").is_file():
            return Path(bindir)
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    bindir: Path
    base: Path
    port: int
    as_postgres: bool  # running as root: every server command goes through runuser

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def sock(self) -> Path:
        return self.base / "sock"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.sock}&port={self.port}"

    def run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, cwd=self.base, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            log = self.data / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({proc.returncode}): {proc.stderr}\n{tail}")

    def start(self) -> None:
        initdb = ["-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        self.run("initdb", *initdb, "--no-instructions", "--no-sync")
        # fsync off: a test cluster is thrown away, durability buys nothing here.
        options = (
            f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.data / "server.log")
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "30", "start"
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


def _make_base(as_postgres: bool) -> Path:
    base = Path(tempfile.mkdtemp(prefix="oms-pg-", dir="/tmp"))
    (base / "sock").mkdir()
    if as_postgres:
        for path in (base, base / "sock"):
            shutil.chown(path, "postgres", "postgres")
    return base


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bindir = find_pg_bindir()
    if bindir is None:
        _unavailable(f"no initdb/pg_ctl in {os.environ.get('OMS_PG_BIN') or PG_GLOB}")
    assert bindir is not None
    as_postgres = os.geteuid() == 0
    if as_postgres:
        if shutil.which("runuser") is None:
            _unavailable("running as root needs runuser to start the server as postgres")
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root, and there is no postgres user to run the server")
    cluster = PgCluster(bindir, _make_base(as_postgres), _free_port(), as_postgres)
    try:
        cluster.start()
    except RuntimeError as exc:
        shutil.rmtree(cluster.base, ignore_errors=True)
        _unavailable(f"the cluster did not start: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)


def _admin(cluster: PgCluster, statement: str, database: str) -> None:
    where = {"host": str(cluster.sock), "port": cluster.port}
    with psycopg.connect(dbname="postgres", user="postgres", autocommit=True, **where) as conn:
        conn.execute(pgsql.SQL(statement).format(pgsql.Identifier(database)))


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    name = f"oms_test_{uuid.uuid4().hex[:12]}"
    _admin(pg_cluster, "CREATE DATABASE {}", name)
    try:
        yield pg_cluster.url(name)
    finally:
        _admin(pg_cluster, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'oms.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    # Looked up lazily, so that a SQLite-only selection never starts PostgreSQL.
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


PG_TEMPLATE = "oms_template"


@pytest.fixture(scope="session")
def pg_template(pg_cluster: PgCluster) -> str:
    """A database migrated to head, never connected to again: CREATE DATABASE copies it."""
    _admin(pg_cluster, "CREATE DATABASE {}", PG_TEMPLATE)
    migrate(pg_cluster.url(PG_TEMPLATE))  # disposes of its engine: no session is left on it
    return PG_TEMPLATE


@pytest.fixture
def migrated_db_url(db_url: str, request: pytest.FixtureRequest) -> str:
    """``db_url``, now holding what ``migrate(db_url)`` would have made."""
    database = make_url(db_url).database
    assert database is not None
    if db_url.startswith("sqlite"):
        shutil.copyfile(sqlite_template(), database)
        return db_url
    copy_pg_template(request, database)
    return db_url


def copy_pg_template(request: pytest.FixtureRequest, database: str) -> None:
    """Replace ``database`` (made empty by pg_url, no one connected yet) by a copy of the
    migrated template."""
    template = request.getfixturevalue("pg_template")
    cluster = request.getfixturevalue("pg_cluster")
    _admin(cluster, "DROP DATABASE {}", database)
    _admin(cluster, "CREATE DATABASE {} TEMPLATE " + template, database)


@pytest.fixture
def engine(migrated_db_url: str) -> Iterator[Engine]:
    eng = make_engine(migrated_db_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)
