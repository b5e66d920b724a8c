"""Browser fixtures: the real app served by uvicorn, driven by Debian's headless Chromium.

- ``server``: ``uvicorn --factory oms.bootstrap:app_from_env`` in a subprocess on a free loopback
  port, against a fresh SQLite file (a copy of the migrated template), with an ops and a
  checkout key; stopped by its PID.
- ``browser``: Chromium launched by Playwright from its path (Debian's ``chromium`` package,
  installed by ``.ci/run``). Playwright never downloads a browser here.
- ``context``: a fresh browser context per test (own cookies), its base URL the server's.
- ``foreign_site``: another origin on the same machine (``http.server`` in a thread on another
  loopback port): the pages it serves play a hostile site. Same host, other port: another
  *origin* but the same *site*, so SameSite=Strict cookies still go with its requests.

Without Chromium the browser tests are skipped with the reason, except under CI=true, where they
fail: CI installs the package, so a missing browser there is a broken build, not a skip.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Error, Page, sync_playwright

from oms.access.keys import create_key
from oms.db.engine import make_engine, make_session_factory
from oms.db.uow import SqlUnitOfWork
from oms.handlers import message_bus
from tests.db_templates import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "install Debian's package (DEBIAN_FRONTEND=noninteractive apt-get install -y "
    "--no-install-recommends chromium; .ci/run does) or point OMS_CHROMIUM at a Chromium binary"
)
READY_TIMEOUT_S = 120.0


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
        shots = [str(v) for k, v in item.user_properties if k == "screenshot"]
        if shots:  # shown with the failure, or for a pass with -rP / -rA
            report.sections.append(("screenshots", "\n".join(shots)))
    return report


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str) -> None:
    if _in_ci():
        pytest.fail(f"browser tests cannot run under CI=true: {reason}; {INSTALL_HINT}")
    pytest.skip(f"browser tests skipped: {reason}; {INSTALL_HINT}")


def find_chromium() -> str | None:
    """$OMS_CHROMIUM, else ``chromium`` on PATH, else /usr/bin/chromium; None if none runs."""
    given = os.environ.get("OMS_CHROMIUM")
    for candidate in (given,) if given else (shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def artifact_path(name: str) -> Path:
    """Where a screenshot is kept (var/artifacts/, ignored by git; CI may collect it)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any


@dataclass
class Server:
    base: str
    database_url: str
    ops: str
    checkout: str

    def call(self, method: str, path: str, key: str, body: object | None = None) -> Reply:
        """One JSON request with an API key; 4xx/5xx come back as replies, not exceptions."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"X-API-Key": key, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                return Reply(r.status, json.loads(r.read() or b"null"))
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, json.loads(exc.read() or b"null"))

    def ok(self, method: str, path: str, key: str, body: object | None = None) -> Any:
        reply = self.call(method, path, key, body)
        assert 200 <= reply.status < 300, f"{method} {path}: {reply.status} {reply.body}"
        return reply.body

    def create_key(self, role: str, node: str | None = None) -> str:
        """A key made straight in the database (as `oms keys create` does): a store key needs
        its node to exist, so store keys are made after the network is seeded."""
        engine = make_engine(self.database_url)
        try:
            with SqlUnitOfWork(make_session_factory(engine), message_bus()) as uow:
                raw = create_key(uow, role, node)
        finally:
            engine.dispose()
        return raw


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the server at {base} did not become ready:\n{tail}")
        time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    url = migrated_sqlite(tmp_path / "oms.db")  # a copy of the migrated template
    srv = Server("", url, "", "")
    srv.ops, srv.checkout = srv.create_key("ops"), srv.create_key("checkout")
    port = _free_port()
    srv.base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "uvicorn", "oms.bootstrap:app_from_env", "--factory"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, "OMS_DATABASE_URL": url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(srv.base, proc, log)
        yield srv
    finally:
        _stop(proc)


class ForeignSite:
    """A tiny HTTP server of fixed HTML pages, on its own loopback port."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="foreign-site")

    def serve(self, path: str, html: str) -> str:
        """Serve ``html`` at ``path``; its full URL."""
        self.pages[path] = html.encode()
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def foreign_site() -> Iterator[ForeignSite]:
    site = ForeignSite()
    site.thread.start()
    try:
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync loop is gone before tests elsewhere run."""
    path = find_chromium()
    if path is None:
        _unavailable("no Chromium at $OMS_CHROMIUM, on PATH or at /usr/bin/chromium")
    assert path is not None
    with sync_playwright() as pw:
        try:
            launched = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        except Error as exc:
            _unavailable(f"{path} did not start: {exc.message.splitlines()[0]}")
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser, server: Server) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=server.base, viewport={"width": 1100, "height": 800})
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@dataclass(frozen=True)
class Screenshots:
    """Full-page screenshots kept as test artifacts: saved under var/artifacts/, printed, and
    attached to the test's report (its user properties and a "screenshots" section)."""

    page: Page
    node: pytest.Item

    def take(self, name: str) -> Path:
        path = artifact_path(f"{name}.png")
        self.page.screenshot(path=str(path), full_page=True)
        self.node.user_properties.append(("screenshot", str(path)))
        print(f"screenshot: {path}")
        return path


@pytest.fixture
def screenshots(page: Page, request: pytest.FixtureRequest) -> Screenshots:
    return Screenshots(page, request.node)


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page; when the test fails, a screenshot of where it stood is kept beside the others."""
    tab = context.new_page()
    yield tab
    if request.node.stash.get(_FAILED, False):
        shot = artifact_path(f"FAILED-{request.node.name}.png")
        try:
            tab.screenshot(path=str(shot), full_page=True)
            print(f"\nscreenshot of the failure: {shot}")
        except Error:
            pass
