"""A real `oms serve` process for the tests that need one (fuzzing, crashes, concurrency)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

ROOT = Path(__file__).resolve().parents[1]
OMS = str(Path(sys.executable).with_name("oms"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oms_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "OMS_DATABASE_URL": database_url, **extra}
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / "var" / "numba-cache"))
    return env


def seed_demo(database_url: str, cwd: Path) -> dict[str, str]:
    """The demo network in the database; a key per role (``ops``, ``checkout``, ``store``)."""
    run = subprocess.run(
        [OMS, "seed-demo", "--problem", str(ROOT / "scenarios" / "demo-fr.json")],
        cwd=cwd,
        env=oms_env(database_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    keys = {}
    for line in run.stdout.splitlines():
        found = re.match(r"^\s*(\w+)[^:]*:\s*(oms_\S+)$", line)
        if found:
            keys[found.group(1)] = found.group(2)
    return keys


class LiveServer:
    """``with LiveServer(url, tmp) as s: httpx.get(s.base + "/readyz")``; stopped on exit."""

    def __init__(self, database_url: str, cwd: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        self._cmd = [OMS, "serve", "--port", str(self.port), *args]
        self._env = oms_env(database_url, **env)
        self._cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LiveServer:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                self._cmd,
                cwd=self._cwd,
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: workers are stopped with it
            )
        self.wait_ready()
        return self

    def wait_ready(self, timeout_s: float = 120.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.base + "/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"server not ready in {timeout_s} s: {self.log.read_text()[-3000:]}")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
